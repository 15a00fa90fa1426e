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

# Where each status sits (centre x, row). A status added to OrderStatus without a place here
# stops the drawing, so the diagram is never silently incomplete.
PLACES = {
    "PendingAvailability": (106, 0),
    "Pending": (340, 0),
    "Unshipped": (574, 0),
    "PartiallyShipped": (808, 0),
    "Shipped": (1042, 0),
    "Canceled": (340, 1),
    "Unfulfillable": (808, 1),
    "InvoiceUnconfirmed": (1042, 1),
}
# Canceled is wide: every status that can be cancelled has a straight arrow down into it.
WIDE = {"Canceled": (20, 660)}
NODE_W, NODE_H = 172, 48
ROW_Y = (240, 445)
WIDTH = 1150


def box(status: str) -> tuple[float, float, float, float]:
    """left, top, right, bottom."""
    x, row = PLACES[status]
    left, right = WIDE.get(status, (x - NODE_W / 2, x + NODE_W / 2))
    y = ROW_Y[row]
    return left, y - NODE_H / 2, right, y + NODE_H / 2


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

    parts = []
    for (source, target), rules in moves.items():
        parts.append(edge(source, target, rules))
    for status in OrderStatus:
        parts.append(node(status.value, placed=status in PLACED_STATUSES, fixtures_only=status.value not in entered))

    y = ROW_Y[1] + NODE_H / 2 + 48
    legend = [text(20, y, "Rules that act on an order and leave its status as it was:", 13, "start", weight="bold")]
    for status in OrderStatus:
        if stays.get(status.value):
            y += 20
            legend.append(
                f'<text x="20" y="{y:g}" font-size="12.5" fill="{INK}" font-family="{FONT}">'
                f'<tspan font-weight="bold">{escape(status.value)}</tspan>: '
                f'<tspan font-family="{MONO}" fill="{ACCENT}">{escape(", ".join(stays[status.value]))}</tspan></text>'
            )
    y += 30
    legend.append(
        text(
            20,
            y,
            "Arrows: the rules of spapi_mock.domain.model.TRANSITIONS that move an order from one status to another. "
            "Dashed: a status only a fixture file gives.",
            12,
            "start",
            fill=MUTED,
        )
    )
    height = y + 20
    title = text(20, 32, "Order lifecycle: which rule moves an order from which OrderStatus to which", 17, "start", weight="bold")
    return svg(WIDTH, height, "Order lifecycle state diagram", [title, *parts, *legend])


def node(status: str, placed: bool, fixtures_only: bool) -> str:
    left, top, right, bottom = box(status)
    dash = ' stroke-dasharray="6 4"' if fixtures_only else ""
    shape = (
        f'<rect x="{left:g}" y="{top:g}" width="{right - left:g}" height="{bottom - top:g}" rx="10" '
        f'fill="#eef1fb" stroke="{ACCENT}" stroke-width="{2 if not fixtures_only else 1.5}"{dash}/>'
    )
    centre = (left + right) / 2
    if placed or fixtures_only:
        caption = "start: place_order" if placed else "fixtures only"
        return "\n".join(
            [
                shape,
                text(centre, top + 21, status, 13.5, weight="bold"),
                text(centre, top + 38, caption, 10.5, family=MONO if placed else FONT, fill=MUTED),
            ]
        )
    return "\n".join([shape, text(centre, (top + bottom) / 2 + 5, status, 13.5, weight="bold")])


def edge(source: str, target: str, rules: list[str]) -> str:
    s_left, s_top, s_right, s_bottom = box(source)
    t_left, t_top, t_right, t_bottom = box(target)
    s_x, s_row = PLACES[source]
    t_x, t_row = PLACES[target]
    labels = []
    if s_row == t_row and abs(PLACES[source][0] - PLACES[target][0]) < 300:
        # Neighbours: a straight arrow, its rules stacked above it.
        y = ROW_Y[s_row]
        start, end = (s_right, t_left) if t_x > s_x else (s_left, t_right)
        path = f"M {start:g} {y:g} L {end:g} {y:g}"
        for number, rule in enumerate(reversed(rules)):
            labels.append(text((start + end) / 2, s_top - 10 - 16 * number, rule, 12, family=MONO, fill=ACCENT))
    elif s_row == t_row:
        # Farther on the same row: an arc over the boxes between, its rules above the arc.
        peak = s_top - 120
        middle = (s_x + t_x) / 2
        path = f"M {s_x:g} {s_top:g} Q {middle:g} {2 * peak - s_top:g} {t_x:g} {t_top:g}"
        for number, rule in enumerate(reversed(rules)):
            labels.append(text(middle, peak - 8 - 16 * number, rule, 12, family=MONO, fill=ACCENT))
    else:
        # Down to a wide box under the source: straight down, its rules beside the arrow.
        x = s_x if t_left <= s_x <= t_right else None
        if x is None:
            raise SystemExit(f"docs/hooks/plots.py: no route from {source} to {target}; widen {target} in WIDE")
        path = f"M {x:g} {s_bottom:g} L {x:g} {t_top:g}"
        middle = (s_bottom + t_top) / 2 - 8 * (len(rules) - 1)
        for number, rule in enumerate(rules):
            labels.append(text(x + 9, middle + 16 * number + 4, rule, 12, "start", family=MONO, fill=ACCENT))
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
    width = 980
    left, right, top, bottom = 80, width - 80, 90, 380
    top_rate = max(max(point[3] for point in points), threshold) * 1.3

    def x_of(index: int) -> float:
        return left + (right - left) * index / (len(points) - 1)

    def y_of(rate: float) -> float:
        return bottom - (bottom - top) * rate / top_rate

    name = getattr(BY_ID[marketplace], "name", None) or marketplace
    parts = [
        text(20, 32, f"Cancellation rate in {name} ({marketplace}), step by step", 17, "start", weight="bold"),
        text(
            20,
            54,
            f"The built-in scenario {SCENARIO}: seller-cancelled MFN orders ÷ MFN orders placed in the rolling "
            "7-day window, after each step",
            12.5,
            "start",
            fill=MUTED,
        ),
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
            column, row = divmod(index - 1, (len(points)) // 2)
            parts.append(
                f'<text x="{left + 430 * column:g}" y="{legend_top + 19 * row:g}" font-size="12.5" font-family="{FONT}" '
                f'fill="{INK}"><tspan font-weight="bold">{index}</tspan>  '
                f'<tspan font-family="{MONO}">{escape(label)}</tspan></text>'
            )
    parts.append(text(left, legend_top - 22, "Steps", 12.5, "start", fill=MUTED, weight="bold"))
    height = legend_top + 19 * ((len(points)) // 2) + 10
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
