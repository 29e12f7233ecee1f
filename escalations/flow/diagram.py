"""The case state machine as an SVG diagram, drawn on the server from the transitions themselves.

The graph comes from django-fsm-2's introspection of ``Case.status`` (every ``@transition``, its
sources, target and label) and who may run each transition from ``escalations.policy.RULES`` and
the roles of ``accounts.roles.ROLES``. The layout is a plain layered one: states in columns by
their distance from the initial state, ordered within a column by the barycentre of their
neighbours; edges are quadratic curves bent to the left of their direction, so that the two
directions between a pair of states never overlap. No external program, no JavaScript."""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy

from accounts.roles import ROLES
from escalations.models import Case
from escalations.policy import RULES, Side

ROLE_LABELS = {
    "operator": pgettext_lazy("role", "operator"),
    "supervisor": pgettext_lazy("role", "supervisor"),
    "specialist": pgettext_lazy("role", "specialist"),
    "manager": pgettext_lazy("role", "manager"),
    "administrator": pgettext_lazy("role", "administrator"),
}
SIDE_LABELS = {
    Side.OWNER: pgettext_lazy("side of a case", "owner or the owner's team"),
    Side.HANDLER: pgettext_lazy("side of a case", "handler or the assigned team"),
}


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: tuple[str, ...]
    target: str
    roles: tuple[str, ...]  # role labels
    side: str

    @property
    def who(self) -> str:
        separator = pgettext("list separator", ", ")
        roles = separator.join(self.roles) if self.roles else _("superusers only")
        return _("%(roles)s (%(side)s)") % {"roles": roles, "side": self.side}


@dataclass(frozen=True)
class Graph:
    states: tuple[tuple[str, str], ...]  # (value, label), in declaration order
    initial: str
    transitions: tuple[Transition, ...]

    def edges(self) -> dict[tuple[str, str], list[Transition]]:
        """(source, target) -> the transitions between them."""
        edges: dict[tuple[str, str], list[Transition]] = defaultdict(list)
        for transition in self.transitions:
            for source in transition.sources:
                edges[(source, transition.target)].append(transition)
        return edges


def state_machine(model=None, field_name: str = "status") -> Graph:
    """The graph of ``model.<field_name>`` (the case's by default)."""
    if model is None:
        model = Case
    field = model._meta.get_field(field_name)
    states = tuple((str(value), str(label)) for value, label in field.choices)
    values = [value for value, _label in states]
    by_name: dict[str, dict] = {}
    for fsm in field.get_all_transitions(model):
        sources = values if fsm.source in ("*", "+") else [fsm.source]
        for source in sources:
            target = source if fsm.target is None else fsm.target
            if fsm.source == "+" and source == target:
                continue
            entry = by_name.setdefault(
                fsm.name, {"label": fsm.custom.get("label", fsm.name), "edges": []}
            )
            entry["edges"].append((str(source), str(target)))
    transitions = []
    for name, entry in by_name.items():
        targets = {target for _source, target in entry["edges"]}
        for target in sorted(targets, key=values.index):
            rule = RULES.get(name)
            roles = (
                tuple(
                    str(ROLE_LABELS.get(r, r))
                    for r, perms in ROLES.items()
                    if rule.permission in perms
                )
                if rule
                else ()
            )
            transitions.append(
                Transition(
                    name=name,
                    label=str(entry["label"]),
                    sources=tuple(s for s, t in entry["edges"] if t == target),
                    target=target,
                    roles=roles,
                    side=str(SIDE_LABELS[rule.side]) if rule else "",
                )
            )
    return Graph(states, str(field.default), tuple(transitions))


# --- layout ------------------------------------------------------------------------------------

NODE_W, NODE_H = 150, 44
COL_GAP, ROW_GAP = 250, 150
MARGIN = 60
FONT = 13
LABEL_FONT = 11


@dataclass
class Box:
    x: float
    y: float
    w: float
    h: float

    def overlaps(self, other: Box, pad: float = 2) -> bool:
        return not (
            self.x + self.w + pad <= other.x
            or other.x + other.w + pad <= self.x
            or self.y + self.h + pad <= other.y
            or other.y + other.h + pad <= self.y
        )


def _layers(graph: Graph) -> list[list[str]]:
    """Columns by breadth-first distance from the initial state, ordered by barycentre."""
    values = [value for value, _label in graph.states]
    neighbours: dict[str, set[str]] = defaultdict(set)
    for source, target in graph.edges():
        if source != target:
            neighbours[source].add(target)
            neighbours[target].add(source)
    successors: dict[str, list[str]] = defaultdict(list)
    for source, target in graph.edges():
        successors[source].append(target)
    depth = {graph.initial: 0}
    queue = deque([graph.initial])
    while queue:
        state = queue.popleft()
        for nxt in sorted(successors[state], key=values.index):
            if nxt not in depth:
                depth[nxt] = depth[state] + 1
                queue.append(nxt)
    last = max(depth.values(), default=0)
    for value in values:  # unreachable states: a column of their own at the end
        depth.setdefault(value, last + 1)
    layers: list[list[str]] = [[] for _ in range(max(depth.values()) + 1)]
    for value in values:
        layers[depth[value]].append(value)
    for _sweep in range(4):
        order = {v: i for layer in layers for i, v in enumerate(layer)}
        for layer in layers[1:]:
            layer.sort(
                key=lambda v: (
                    sum(order[n] for n in neighbours[v]) / len(neighbours[v])
                    if neighbours[v]
                    else order[v],
                    values.index(v),
                )
            )
    return [layer for layer in layers if layer]


def _text_width(text: str, size: float) -> float:
    return sum(size if ord(ch) > 0x2E7F else size * 0.6 for ch in text)


def _boundary(box: Box, toward: tuple[float, float]) -> tuple[float, float]:
    """Where the line from the box's centre toward a point leaves the box."""
    cx, cy = box.x + box.w / 2, box.y + box.h / 2
    dx, dy = toward[0] - cx, toward[1] - cy
    if dx == 0 and dy == 0:
        return cx, cy
    scale = min(
        (box.w / 2) / abs(dx) if dx else float("inf"),
        (box.h / 2) / abs(dy) if dy else float("inf"),
    )
    return cx + dx * scale, cy + dy * scale


def render_svg(graph: Graph) -> SafeString:
    layers = _layers(graph)
    labels = dict(graph.states)
    tallest = max(len(layer) for layer in layers)
    width = MARGIN * 2 + (len(layers) - 1) * COL_GAP + NODE_W
    height = MARGIN * 2 + (tallest - 1) * ROW_GAP + NODE_H
    boxes: dict[str, Box] = {}
    for col, layer in enumerate(layers):
        top = MARGIN + (tallest - len(layer)) * ROW_GAP / 2
        for row, value in enumerate(layer):
            boxes[value] = Box(MARGIN + col * COL_GAP, top + row * ROW_GAP, NODE_W, NODE_H)
    outgoing = {source for source, target in graph.edges() if source != target}

    placed: list[Box] = list(boxes.values())
    edge_parts: list[str] = []
    label_parts: list[str] = []
    for (source, target), transitions in graph.edges().items():
        text = " / ".join(t.label for t in transitions)
        names = " ".join(t.name for t in transitions)
        who = "; ".join(f"{t.label}: {t.who}" for t in transitions)
        a, b = boxes[source], boxes[target]
        ax, ay = a.x + a.w / 2, a.y + a.h / 2
        if source == target:
            p0 = (a.x + a.w * 0.3, a.y)
            p2 = (a.x + a.w * 0.7, a.y)
            path = (
                f"M{p0[0]:.1f},{p0[1]:.1f} C{p0[0] - 20:.1f},{a.y - 55:.1f} "
                f"{p2[0] + 20:.1f},{a.y - 55:.1f} {p2[0]:.1f},{p2[1]:.1f}"
            )
            mid = (ax, a.y - 48)
        else:
            bx, by = b.x + b.w / 2, b.y + b.h / 2
            dx, dy = bx - ax, by - ay
            length = (dx * dx + dy * dy) ** 0.5
            # bend to the left of the direction of travel; longer edges bend more
            bend = 30 + 0.12 * length
            cx, cy = (ax + bx) / 2 + dy / length * bend, (ay + by) / 2 - dx / length * bend
            p0 = _boundary(a, (cx, cy))
            p2 = _boundary(b, (cx, cy))
            path = f"M{p0[0]:.1f},{p0[1]:.1f} Q{cx:.1f},{cy:.1f} {p2[0]:.1f},{p2[1]:.1f}"
            mid = (0.25 * p0[0] + 0.5 * cx + 0.25 * p2[0], 0.25 * p0[1] + 0.5 * cy + 0.25 * p2[1])
        tw, th = _text_width(text, LABEL_FONT) + 8, LABEL_FONT + 6
        box = Box(mid[0] - tw / 2, mid[1] - th / 2, tw, th)
        for step in range(1, 12):  # nudge the label off whatever it would cover
            if not any(box.overlaps(other) for other in placed):
                break
            offset = (step + 1) // 2 * (th + 2) * (1 if step % 2 else -1)
            box = Box(mid[0] - tw / 2, mid[1] - th / 2 + offset, tw, th)
        box.x = min(max(box.x, 2), width - tw - 2)
        box.y = min(max(box.y, 2), height - th - 2)
        placed.append(box)
        attrs = (
            f'class="edge" data-source="{escape(source)}" data-target="{escape(target)}" '
            f'data-transitions="{escape(names)}"'
        )
        edge_parts.append(
            f"<g {attrs}><title>{escape(who)}</title>"
            f'<path d="{path}" fill="none" stroke="#417690" stroke-width="1.5" '
            f'marker-end="url(#flow-arrow)"/></g>'
        )
        label_parts.append(
            f'<g class="edge-label" data-transitions="{escape(names)}"><title>{escape(who)}</title>'
            f'<rect x="{box.x:.1f}" y="{box.y:.1f}" width="{tw:.1f}" height="{th:.1f}" rx="3" '
            f'fill="#ffffff" fill-opacity="0.92" stroke="#c9d6de"/>'
            f'<text x="{box.x + tw / 2:.1f}" y="{box.y + th - 5:.1f}" text-anchor="middle" '
            f'font-size="{LABEL_FONT}">{escape(text)}</text></g>'
        )

    node_parts = []
    for value, box in boxes.items():
        final = value not in outgoing
        initial = value == graph.initial
        cls = "state" + (" initial" if initial else "") + (" final" if final else "")
        parts = [
            f'<g class="{cls}" data-state="{escape(value)}">',
            f'<rect x="{box.x:.1f}" y="{box.y:.1f}" width="{box.w}" height="{box.h}" rx="8" '
            f'fill="{"#e8f1f6" if not final else "#eeeeee"}" stroke="#264b5d" '
            f'stroke-width="{2.5 if initial else 1.5}"/>',
        ]
        if initial:  # the start: a dot and an arrow into the initial state
            cy = box.y + box.h / 2
            parts.append(
                f'<circle cx="{box.x - 36:.1f}" cy="{cy:.1f}" r="6" fill="#264b5d"/>'
                f'<path d="M{box.x - 30:.1f},{cy:.1f} L{box.x:.1f},{cy:.1f}" stroke="#264b5d" '
                f'stroke-width="1.5" marker-end="url(#flow-arrow)"/>'
            )
        if final:
            parts.append(
                f'<rect x="{box.x + 3:.1f}" y="{box.y + 3:.1f}" width="{box.w - 6}" '
                f'height="{box.h - 6}" rx="6" fill="none" stroke="#264b5d"/>'
            )
        parts.append(
            f'<text x="{box.x + box.w / 2:.1f}" y="{box.y + box.h / 2 + FONT / 2 - 2:.1f}" '
            f'text-anchor="middle" font-size="{FONT}" font-weight="bold">'
            f"{escape(labels[value])}</text></g>"
        )
        node_parts.append("".join(parts))

    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="flow-diagram" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'preserveAspectRatio="xMidYMin meet" '
        f"font-family=\"'Noto Sans CJK JP', 'Noto Sans JP', sans-serif\" "
        f'aria-label="{escape(_("Case state machine"))}">'
        "<defs>"
        '<marker id="flow-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" '
        'markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="#417690"/></marker>'
        "</defs>"
        f"{''.join(edge_parts)}{''.join(node_parts)}{''.join(label_parts)}</svg>"
    )
    return mark_safe(svg)  # noqa: S308 - every text in it is escaped above
