"""Who receives what is sent to a person: them, or the first present delegate."""

from tests.factories import UserFactory


def person(name, *, absent=False, delegate=None):
    return UserFactory(username=name, is_absent=absent, delegate=delegate)


def test_a_present_person_receives_their_own(db):
    sato = person("sato")
    assert sato.effective_recipient() == sato


def test_a_present_person_receives_their_own_even_with_a_delegate(db):
    sato = person("sato", delegate=person("suzuki"))
    assert sato.effective_recipient() == sato


def test_an_absent_person_without_a_delegate_has_no_recipient(db):
    assert person("sato", absent=True).effective_recipient() is None


def test_an_absent_person_passes_to_a_present_delegate(db):
    suzuki = person("suzuki")
    assert person("sato", absent=True, delegate=suzuki).effective_recipient() == suzuki


def test_the_chain_is_followed_to_the_first_present_person(db):
    takahashi = person("takahashi")
    suzuki = person("suzuki", absent=True, delegate=takahashi)
    sato = person("sato", absent=True, delegate=suzuki)
    assert sato.effective_recipient() == takahashi
    assert suzuki.effective_recipient() == takahashi


def test_a_chain_of_absent_people_has_no_recipient(db):
    suzuki = person("suzuki", absent=True)
    sato = person("sato", absent=True, delegate=suzuki)
    assert sato.effective_recipient() is None


def test_a_person_delegating_to_themselves_terminates(db):
    sato = person("sato", absent=True)
    sato.delegate = sato
    sato.save()
    assert sato.effective_recipient() is None


def test_a_delegate_cycle_terminates(db):
    sato = person("sato", absent=True)
    suzuki = person("suzuki", absent=True, delegate=sato)
    tanaka = person("tanaka", absent=True, delegate=suzuki)
    sato.delegate = tanaka
    sato.save()
    assert sato.effective_recipient() is None
    assert tanaka.effective_recipient() is None


def test_a_cycle_behind_a_present_person_does_not_matter(db):
    sato = person("sato", absent=True)
    suzuki = person("suzuki", delegate=sato)
    sato.delegate = suzuki
    sato.save()
    assert sato.effective_recipient() == suzuki


def test_a_deactivated_delegate_is_passed_over(db):
    takahashi = person("takahashi")
    suzuki = UserFactory(username="suzuki", is_active=False, delegate=takahashi)
    sato = person("sato", absent=True, delegate=suzuki)
    assert sato.effective_recipient() == takahashi


def test_a_deactivated_account_passes_to_its_delegate_or_to_nobody(db):
    suzuki = person("suzuki")
    assert UserFactory(username="sato", is_active=False, delegate=suzuki).effective_recipient() == (
        suzuki
    )
    assert UserFactory(username="tanaka", is_active=False).effective_recipient() is None
