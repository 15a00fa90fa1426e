"""The docs site's two plots, drawn as plain SVG from the code they show.

- docs/assets/lifecycle.svg: the order lifecycle, from ``spapi_mock.domain.model.TRANSITIONS``
  (statuses as boxes, each rule that moves an order from one status to another as a labelled
  arrow, the rules that keep the status listed underneath);
- docs/assets/cancellation-rate.svg: the cancellation rate after each step of the built-in
  scenario cancellation-rate-breach, run step by step through a real server in this process.

    python docs/hooks/plots.py          # write them
    python docs/hooks/plots.py --check  # exit 1 if a committed file differs from what the code draws

The output depends only on the code and the scenario (no dates, no random), so the suite can
hold the committed files to it (tests/project/test_docs_site.py).
"""

from __future__ import annotations

import sys
from collections import defaultdict
from html import escape
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ASSETS = ROOT / "docs" / "assets"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"
MONO = "ui-monospace, 'SFMono-Regular', Menlo, Consolas, 'DejaVu Sans Mono', monospace"
INK, MUTED, ACCENT, ALARM = "#1f2933", "#616e7c", "#3949ab", "#c62828"

# -- the lifecycle --------------------------------------------------------------------------

# Where each status sits: (column, row). Drawn to fit the docs' text column (about 700 pixels)
# at nearly its own size. A status added to OrderStatus without a place here stops the drawing,
# so the diagram is never silently incomplete.
PLACES = {
    "PendingAvailability": (1, 0),
    "Pending": (1, 1),
    "Unshipped": (1, 2),
    "PartiallyShipped": (1, 3),
    "Shipped": (1, 4),
    "Canceled": (0, 0),
    "Unfulfillable": (0, 3),
    "InvoiceUnconfirmed": (0, 4),
}
# Canceled is tall: every status that can be cancelled has a straight arrow across into it.
TALL = {"Canceled": (0, 2)}
COLUMNS = ((15, 205), (335, 525))  # left, right of each column's boxes
ROW_TOP, ROW_STEP, NODE_H = 84, 118, 50
WIDTH = 840
LABEL = 13  # font size of a rule's name


def box(status: str) -> tuple[float, float, float, float]:
    """left, top, right, bottom."""
    column, row = PLACES[status]
    first, last = TALL.get(status, (row, row))
    left, right = COLUMNS[column]
    return left, ROW_TOP + first * ROW_STEP, right, ROW_TOP + last * ROW_STEP + NODE_H


def text(x, y, words, size=13, anchor="middle", family=FONT, fill=INK, weight="normal") -> str:
    return (
        f'<text x="{x:g}" y="{y:g}" font-family="{family}" font-size="{size}" fill="{fill}" '
        f'font-weight="{weight}" text-anchor="{anchor}">{escape(words)}</text>'
    )


def lifecycle_svg() -> str:
    from spapi_mock.domain.model import TRANSITIONS, OrderStatus
    from spapi_mock.domain.order_factory import PLACED_STATUSES

    missing = [status.value for status in OrderStatus if status.value not in PLACES]
    if missing:
        raise SystemExit(f"docs/hooks/plots.py: give the new statuses {missing} a place in PLACES")
    moves: dict[tuple[str, str], list[str]] = defaultdict(list)
    stays: dict[str, list[str]] = defaultdict(list)
    for rule, transition in TRANSITIONS.items():
        for source, targets in transition.moves.items():
            for target in sorted(targets, key=list(OrderStatus).index):
                if source == target:
                    stays[source.value].append(rule)
                else:
                    moves[(source.value, target.value)].append(rule)
    entered = {target for _, target in moves} | {status.value for status in PLACED_STATUSES}

    parts = [text(15, 30, "Order lifecycle: the rules that move an order between statuses", 18, "start", weight="bold")]
    parts.append(
        text(15, 52, "spapi_mock.domain.model.TRANSITIONS; dashed: a status only a fixture file gives", 12.5, "start", fill=MUTED)
    )
    for (source, target), rules in moves.items():
        parts.append(edge(source, target, rules))
    for status in OrderStatus:
        parts.append(node(status.value, placed=status in PLACED_STATUSES, fixtures_only=status.value not in entered))

    y = max(box(status)[3] for status in PLACES) + 44
    parts.append(text(15, y, "Rules that act on an order and leave its status as it was", 14, "start", weight="bold"))
    for status in OrderStatus:
        if not stays.get(status.value):
            continue
        lines = wrapped(stays[status.value], 58)
        y += 22
        parts.append(text(15, y, status.value, 13, "start", weight="bold"))
        for number, line in enumerate(lines):
            parts.append(text(190, y + 18 * number, line, LABEL, "start", family=MONO, fill=ACCENT))
        y += 18 * (len(lines) - 1)
    return svg(WIDTH, y + 22, "Order lifecycle state diagram", parts)


def wrapped(rules: list[str], width: int) -> list[str]:
    """The rules as comma-separated lines of at most ``width`` characters."""
    lines = [""]
    for rule in rules:
        candidate = f"{lines[-1]}, {rule}" if lines[-1] else rule
        if len(candidate) > width and lines[-1]:
            lines[-1] += ","
            lines.append(rule)
        else:
            lines[-1] = candidate
    return lines


def node(status: str, placed: bool, fixtures_only: bool) -> str:
    left, top, right, bottom = box(status)
    dash = ' stroke-dasharray="6 4"' if fixtures_only else ""
    shape = (
        f'<rect x="{left:g}" y="{top:g}" width="{right - left:g}" height="{bottom - top:g}" rx="10" '
        f'fill="#eef1fb" stroke="{ACCENT}" stroke-width="{2 if not fixtures_only else 1.5}"{dash}/>'
    )
    centre, middle = (left + right) / 2, (top + bottom) / 2
    if placed or fixtures_only:
        caption = "start: place_order" if placed else "fixtures only"
        return "\n".join(
            [
                shape,
                text(centre, middle - 2, status, 15, weight="bold"),
                text(centre, middle + 15, caption, 11.5, family=MONO if placed else FONT, fill=MUTED),
            ]
        )
    return "\n".join([shape, text(centre, middle + 5, status, 15, weight="bold")])


def edge(source: str, target: str, rules: list[str]) -> str:
    s_left, s_top, s_right, s_bottom = box(source)
    t_left, t_top, t_right, t_bottom = box(target)
    s_column, s_row = PLACES[source]
    t_column, t_row = PLACES[target]
    labels = []
    if s_column == t_column and t_row == s_row + 1:
        # The next status down: a straight arrow, its rules beside it.
        x = (s_left + s_right) / 2
        path = f"M {x:g} {s_bottom:g} L {x:g} {t_top:g}"
        first = (s_bottom + t_top) / 2 - 8 * (len(rules) - 1) + 4
        for number, rule in enumerate(rules):
            labels.append(text(x + 9, first + 16 * number, rule, LABEL, "start", family=MONO, fill=ACCENT))
    elif s_column == t_column:
        # Farther down the same column: an arc out to the right, its rules beside the arc.
        y_from, y_to = (s_top + s_bottom) / 2, (t_top + t_bottom) / 2
        bulge = s_right + 160
        path = f"M {s_right:g} {y_from:g} C {bulge:g} {y_from:g} {bulge:g} {y_to:g} {t_right:g} {y_to:g}"
        x, middle = s_right + 0.75 * 160 + 10, (y_from + y_to) / 2 - 8 * (len(rules) - 1) + 4
        for number, rule in enumerate(rules):
            labels.append(text(x, middle + 16 * number, rule, LABEL, "start", family=MONO, fill=ACCENT))
    else:
        # Across to a tall box beside the source: straight across, its rules above the arrow.
        y = (s_top + s_bottom) / 2
        if not t_top <= y <= t_bottom:
            raise SystemExit(f"docs/hooks/plots.py: no route from {source} to {target}; make {target} taller in TALL")
        start, end = (s_left, t_right) if t_column < s_column else (s_right, t_left)
        path = f"M {start:g} {y:g} L {end:g} {y:g}"
        for number, rule in enumerate(reversed(rules)):
            labels.append(text((start + end) / 2, y - 7 - 16 * number, rule, LABEL, family=MONO, fill=ACCENT))
    line = f'<path d="{path}" fill="none" stroke="{INK}" stroke-width="1.6" marker-end="url(#arrow)"/>'
    return "\n".join([line, *labels])


def svg(width: float, height: float, title: str, parts: list[str]) -> str:
    return "\n".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:g} {height:g}" width="{width:g}" '
            f'height="{height:g}" role="img" aria-label="{escape(title)}">',
            f"<title>{escape(title)}</title>",
            "<defs>",
            '<marker id="arrow" viewBox="0 0 10 10" refX="9.5" refY="5" markerWidth="8" markerHeight="8"'
            ' orient="auto-start-reverse">',
            f'<path d="M 0 0 L 10 5 L 0 10 z" fill="{INK}"/>',
            "</marker>",
            "</defs>",
            # A background of its own: the page's dark theme does not reach into an <img>.
            f'<rect width="{width:g}" height="{height:g}" fill="#ffffff"/>',
            *parts,
            "</svg>",
            "",
        ]
    )


# -- the cancellation rate over a scenario ---------------------------------------------------

SCENARIO = "cancellation-rate-breach"


def step_label(step) -> str:
    """A step as a reader recognises it from the scenario file."""
    name, args = next(iter(step.items()))
    if not isinstance(args, dict):
        return f"{name} {args}"
    if name == "place_order":
        return f"place_order ×{args.get('count', 1)}"
    return f"{name} {args.get('order', '')}" + (f" ({args['reason']})" if "reason" in args else "")


def rate_points() -> tuple[str, list[tuple[str, int, int, float]], float]:
    """(marketplace, [(step, seller-cancelled orders, orders, rate)], threshold): the rate before
    the scenario and after each of its steps, each step run on its own through the control plane
    (the names place_order gave replaced by the ids it answered)."""
    from spapi_mock.control import scenarios
    from spapi_mock.testing import background_server

    scenario = scenarios.find(SCENARIO)
    marketplace = next(step["place_order"]["order"]["MarketplaceId"] for step in scenario.steps if "place_order" in step)
    points = []
    with background_server() as server:
        control = server.control

        def measure(label: str) -> float:
            (rate,) = control.cancellation_rate(marketplace_ids=[marketplace])["rates"]
            points.append((label, rate["sellerCancelledOrders"], rate["orders"], rate["rate"]))
            return rate["threshold"]

        measure("start")
        names: dict[str, str] = {}
        for step in scenario.steps:
            name, args = next(iter(step.items()))
            if isinstance(args, dict) and isinstance(args.get("order"), str) and args["order"] in names:
                args = {**args, "order": names[args["order"]]}
            names.update(control.run_inline_scenario({"steps": [{name: args}]})["orders"])
            threshold = measure(step_label(step))
        # The scenario run whole, on a seller of its own, ends at the same rate.
        seller = control.create_seller(seed="default")["sellerId"]
        control.run_scenario(SCENARIO, seller_id=seller)
        (whole,) = control.cancellation_rate(seller_id=seller, marketplace_ids=[marketplace])["rates"]
        if (whole["sellerCancelledOrders"], whole["orders"]) != points[-1][1:3]:
            raise SystemExit(f"the scenario run whole ends at {whole}, step by step at {points[-1]}")
    return marketplace, points, threshold


def rate_svg() -> str:
    from spapi_mock.domain.marketplaces import BY_ID

    marketplace, points, threshold = rate_points()
    width = 780
    left, right, top, bottom = 70, width - 60, 100, 360
    top_rate = max(max(point[3] for point in points), threshold) * 1.3

    def x_of(index: int) -> float:
        return left + (right - left) * index / (len(points) - 1)

    def y_of(rate: float) -> float:
        return bottom - (bottom - top) * rate / top_rate

    name = getattr(BY_ID[marketplace], "name", None) or marketplace
    parts = [
        text(20, 32, f"Cancellation rate in {name} ({marketplace}), step by step", 18, "start", weight="bold"),
        text(20, 54, f"after each step of the built-in scenario {SCENARIO}:", 13, "start", fill=MUTED),
        text(20, 72, "seller-cancelled MFN orders ÷ MFN orders placed in the rolling 7-day window", 13, "start", fill=MUTED),
    ]
    # Grid and axes, every half percent.
    tick = 0.0
    while tick <= top_rate + 1e-9:
        y = y_of(tick)
        parts.append(f'<line x1="{left}" y1="{y:g}" x2="{right}" y2="{y:g}" stroke="#e4e7eb" stroke-width="1"/>')
        parts.append(text(left - 10, y + 4, f"{tick * 100:.1f}%", 12, "end", fill=MUTED))
        tick = round(tick + 0.005, 6)
    parts.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{bottom}" stroke="{INK}" stroke-width="1.2"/>')
    parts.append(f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="{INK}" stroke-width="1.2"/>')
    y = y_of(threshold)
    parts.append(
        f'<line x1="{left}" y1="{y:g}" x2="{right}" y2="{y:g}" stroke="{ALARM}" stroke-width="1.6" stroke-dasharray="7 5"/>'
    )
    parts.append(
        text(left + 8, y - 7, f"threshold {threshold * 100:g}%: at or above it the account is at risk", 12, "start", fill=ALARM)
    )
    # The rate holds until a step changes it: a step line, a dot per step.
    path = f"M {x_of(0):g} {y_of(points[0][3]):g}" + "".join(
        f" H {x_of(index):g} V {y_of(rate):g}" for index, (_, _, _, rate) in enumerate(points) if index
    )
    parts.append(f'<path d="{path}" fill="none" stroke="{ACCENT}" stroke-width="2.5"/>')
    legend_top = bottom + 62
    for index, (label, cancelled, orders, rate) in enumerate(points):
        x, y = x_of(index), y_of(rate)
        colour = ALARM if rate >= threshold else ACCENT
        parts.append(f'<circle cx="{x:g}" cy="{y:g}" r="5" fill="{colour}" stroke="#ffffff" stroke-width="1.5"/>')
        value = f"{cancelled}/{orders}" + (f" = {rate * 100:g}%" if cancelled else "")
        # The first label clear of the axis, the others centred on their dot.
        where = (x + 6, "start") if index == 0 else (x, "middle")
        parts.append(text(where[0], y - 12, value, 12, where[1], fill=colour, weight="bold" if rate >= threshold else "normal"))
        parts.append(text(x, bottom + 20, "start" if index == 0 else str(index), 12, fill=INK, weight="bold"))
        if index:
            row = index - 1
            parts.append(
                f'<text x="{left:g}" y="{legend_top + 20 * row:g}" font-size="13.5" font-family="{FONT}" '
                f'fill="{INK}"><tspan font-weight="bold">{index}</tspan>  '
                f'<tspan font-family="{MONO}">{escape(label)}</tspan></text>'
            )
    parts.append(text(left, legend_top - 22, "Steps", 13.5, "start", fill=MUTED, weight="bold"))
    height = legend_top + 20 * (len(points) - 1) + 6
    return svg(width, height, f"Cancellation rate over the scenario {SCENARIO}", parts)


PLOTS = {"lifecycle.svg": lifecycle_svg, "cancellation-rate.svg": rate_svg}


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for name, draw in PLOTS.items():
        path = ASSETS / name
        drawn = draw()
        if path.exists() and path.read_text(encoding="utf-8") == drawn:
            continue
        if check:
            stale.append(name)
        else:
            path.write_text(drawn, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
    if stale:
        print(f"stale: {', '.join(stale)}; run python docs/hooks/plots.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
