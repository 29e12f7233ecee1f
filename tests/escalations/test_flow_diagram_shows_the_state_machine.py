"""The state diagram on the flow page is drawn from the case's transitions themselves: every
state and every transition of ``Case.status`` is in the SVG, with its translated label and who
may run it (from ``escalations.policy``)."""

import re
import xml.etree.ElementTree as ET

from django.urls import reverse
from django.utils import translation

from escalations.flow.diagram import render_svg, state_machine
from escalations.models import Case, CaseStatus
from escalations.policy import RULES
from tests.offline import loads_from_elsewhere

SVG = "{http://www.w3.org/2000/svg}"


def fsm_edges() -> set[tuple[str, str, str]]:
    field = Case._meta.get_field("status")
    return {(t.name, t.source, t.target) for t in field.get_all_transitions(Case)}


def drawn(svg: str) -> tuple[set[str], set[tuple[str, str, str]], ET.Element]:
    root = ET.fromstring(svg)
    states = {
        g.get("data-state") for g in root.iter(f"{SVG}g") if g.get("class", "").startswith("state")
    }
    edges = {
        (name, g.get("data-source"), g.get("data-target"))
        for g in root.iter(f"{SVG}g")
        if g.get("class") == "edge"
        for name in g.get("data-transitions").split()
    }
    return states, edges, root


def test_every_state_and_every_transition_is_drawn():
    states, edges, root = drawn(render_svg(state_machine()))
    assert states == set(CaseStatus.values)
    assert edges == fsm_edges()
    assert len(edges) == 17  # the graph as the README documents it
    # every transition has a visible label
    labelled = {
        name
        for g in root.iter(f"{SVG}g")
        if g.get("class") == "edge-label"
        for name in g.get("data-transitions").split()
    }
    assert labelled == {name for name, _s, _t in fsm_edges()}


def test_the_labels_are_translated():
    with translation.override("ja"):
        svg = render_svg(state_machine())
    texts = "".join(ET.fromstring(svg).itertext())
    for label in (
        "新規",
        "対応中",
        "エスカレーション中",
        "受付済み",
        "受付",
        "回答・差し戻し",
        "再オープン",
        "完了",
    ):
        assert label in texts, label
    with translation.override("en"):
        texts = "".join(ET.fromstring(render_svg(state_machine())).itertext())
    assert "Answer and return" in texts and "Pending customer" in texts


def test_who_may_run_each_transition_comes_from_the_policy():
    with translation.override("en"):
        graph = state_machine()
        who = {t.name: t.who for t in graph.transitions}
    assert set(who) == set(RULES)
    assert "supervisor" in who["acknowledge"] and "specialist" in who["acknowledge"]
    assert "operator" not in who["acknowledge"]
    assert "handler or the assigned team" in who["acknowledge"]
    assert "owner or the owner's team" in who["escalate"]
    assert "manager" not in " ".join(who.values())


def test_no_two_labels_and_no_two_states_overlap():
    _states, _edges, root = drawn(render_svg(state_machine()))
    boxes = [
        tuple(float(rect.get(k)) for k in ("x", "y", "width", "height"))
        for g in root.iter(f"{SVG}g")
        if g.get("class", "").startswith(("state", "edge-label"))
        for rect in g.findall(f"{SVG}rect")[:1]
    ]
    for i, (ax, ay, aw, ah) in enumerate(boxes):
        for bx, by, bw, bh in boxes[i + 1 :]:
            assert ax + aw <= bx or bx + bw <= ax or ay + ah <= by or by + bh <= ay


def test_the_page_embeds_the_diagram_and_the_transition_table(client, operator):
    client.force_login(operator)
    html = client.get(reverse("admin:escalations_flow")).content.decode()
    svg = re.search(
        r"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"flow-diagram\".*?</svg>", html, re.S
    )
    assert svg is not None
    assert drawn(svg.group(0))[1] == fsm_edges()
    for name in RULES:
        assert f'<tr data-transition="{name}">' in html
    assert not loads_from_elsewhere(html)
