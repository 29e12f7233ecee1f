"""Personas and a small organisation every test can use.

- ``operator``: L1, member of ``l1_team`` (owns the cases it opens)
- ``colleague``: another L1 operator in the same team
- ``supervisor``: L2, member and lead of ``l2_team`` (the rule target)
- ``specialist``: L3, member of ``l3_team``
- ``manager``: reads everything
- ``outsider``: an operator of another L1 team
"""

import os

import pytest
from django.conf import settings
from django.db import connection
from hypothesis import settings as hypothesis_settings

from accounts.models import Tier
from kit import configcache
from notifications import live, tasks
from tests.factories import (
    CategoryFactory,
    EscalationRuleFactory,
    TeamFactory,
    UserFactory,
    make_case,
)
from tests.sla_next_due import assert_sla_next_due

# No deadline per example: a timing assert in disguise (the first example pays for imports and
# caches, e.g. the holidays tables: 0.7 s on a loaded machine against hypothesis's 200 ms).
hypothesis_settings.register_profile("suite", deadline=None)
hypothesis_settings.load_profile("suite")

# pytest-xdist runs the suite in several processes on one machine: each keeps its own "live"
# cache (per-user versions and sessions; files under VAR_DIR, or Redis with CACHE_URL), so one
# worker's user 1 never sees another's. Test databases are per worker already (pytest-django).
_XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER")
if _XDIST_WORKER:
    for _cache in settings.CACHES.values():
        _cache["KEY_PREFIX"] = f"{_cache.get('KEY_PREFIX', '')}-{_XDIST_WORKER}"
        if _cache["BACKEND"].endswith("FileBasedCache"):
            _cache["LOCATION"] = f"{_cache['LOCATION']}-{_XDIST_WORKER}"


@pytest.fixture(autouse=True)
def _no_delivery_task_waits():
    """No delivery task waits in the queue when a test starts (``notifications.tasks``: the flag
    lives in the shared cache, and no worker runs the tasks a test enqueues to clear it)."""
    live.shared_cache().delete(tasks.QUEUED)


def pytest_collection_modifyitems(config, items):
    vendor = connection.vendor
    for item in items:
        if "postgres" in item.keywords and vendor != "postgresql":
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)"))


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The real hasher costs ~0.2 s per user; tests create many.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_login_throttling(settings):
    # django-axes needs the request in authenticate(), which Client.login() does not pass;
    # tests/accounts/test_login_is_throttled.py turns it back on.
    settings.AXES_ENABLED = False


@pytest.fixture(autouse=True)
def _configuration_read_afresh():
    # Each test's database starts from scratch: no process copy of the configuration (SLA
    # policies, webhook subscriptions; kit.configcache) is carried over from the one before.
    configcache.forget_all()


@pytest.fixture(autouse=True)
def _webhooks_to_this_machine(settings):
    # the tests' webhook receivers listen on 127.0.0.1;
    # tests/integrations/test_webhook_urls_are_checked.py turns the check back on.
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True


@pytest.fixture(autouse=True)
def _sla_next_due_in_step(request):
    # After every test that uses the database, before its rollback: each case's stored nearest
    # SLA deadline equals its running timers' (the triggers of escalations migration 0021).
    # pytest-django's public fixtures only: ``db`` and ``transactional_db`` are the database
    # (either, in the closure of the test's fixtures), or the ``django_db`` marker asks for it.
    names = request.fixturenames
    transactional = "transactional_db" in names
    if not (transactional or "db" in names or request.node.get_closest_marker("django_db")):
        yield
        return
    # set up before this fixture, so torn down (rolled back or flushed) after its check
    request.getfixturevalue("transactional_db" if transactional else "db")
    yield
    assert_sla_next_due()


@pytest.fixture
def operator(db):
    return UserFactory(username="operator", display_name="佐藤 一郎", role="operator")


@pytest.fixture
def colleague(db):
    return UserFactory(username="colleague", display_name="鈴木 花子", role="operator")


@pytest.fixture
def supervisor(db):
    return UserFactory(username="supervisor", display_name="高橋 SV", role="supervisor")


@pytest.fixture
def specialist(db):
    return UserFactory(username="specialist", display_name="田中 技術", role="specialist")


@pytest.fixture
def manager(db):
    return UserFactory(username="manager", display_name="伊藤 部長", role="manager")


@pytest.fixture
def outsider(db):
    return UserFactory(username="outsider", display_name="渡辺 他課", role="operator")


@pytest.fixture
def l1_team(operator, colleague):
    return TeamFactory(name="一次対応チーム", tier=Tier.L1, members=[operator, colleague])


@pytest.fixture
def other_l1_team(outsider):
    return TeamFactory(name="別の一次対応チーム", tier=Tier.L1, members=[outsider])


@pytest.fixture
def l2_team(supervisor):
    return TeamFactory(name="SVチーム", tier=Tier.L2, lead=supervisor, members=[supervisor])


@pytest.fixture
def l3_team(specialist):
    return TeamFactory(name="技術チーム", tier=Tier.L3, members=[specialist])


@pytest.fixture
def billing(db):
    return CategoryFactory(name="請求・料金")


@pytest.fixture
def org(l1_team, other_l1_team, l2_team, l3_team, billing):
    """Teams for L1-L3 and one rule per hop: L1 -> SV team, L2 -> technical team."""
    EscalationRuleFactory(target_team=l2_team, guidance="SVへ内線 200 で連絡")
    EscalationRuleFactory(target_team=l3_team, guidance="技術チームへ: 再現手順を添える")
    return {"l1": l1_team, "l2": l2_team, "l3": l3_team}


@pytest.fixture
def case(org, operator):
    """A billing case owned by the operator, in progress."""
    from escalations import services

    new = make_case(owner=operator)
    return services.case_start_work(case=new, actor=operator)


@pytest.fixture
def chief(org):
    """The L2 chief a rule names (delegate, on-call and person routing); present unless a test
    makes them absent."""
    chief = UserFactory(username="chief", display_name="中村 課長", role="supervisor")
    org["l2"].members.add(chief)
    return chief


@pytest.fixture
def deputy(org):
    deputy = UserFactory(username="deputy", display_name="小林 代理", role="supervisor")
    org["l2"].members.add(deputy)
    return deputy
