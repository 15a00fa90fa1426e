"""How the control plane's answers read in a terminal: what a ``spapi-mock`` command prints
without ``--json`` (``spapi-mock clock`` prints the time and whether it is frozen, not the JSON
document). An answer's shape is its operation's, whichever command line ran it, so the summary is
chosen by operationId.

Apart from ``operations.py`` so that the declarations say what each operation is and takes, and
nothing of how a terminal shows its answer.
"""

from __future__ import annotations

import json
from collections.abc import Callable


def summary(operation_id: str, answer: dict) -> str:
    """The answer as the command prints it without ``--json``: on one line of JSON where the
    operation has no summary of its own."""
    return SUMMARIES.get(operation_id, json.dumps)(answer)


def _clock(answer: dict) -> str:
    return f"{answer['now']}{' (frozen)' if answer['frozen'] else ''}"


def _order(answer: dict) -> str:
    order = answer["order"]
    return f"{order['AmazonOrderId']} {order['OrderStatus']} (last update {order['LastUpdateDate']})"


def _finances(answer: dict) -> str:
    currency = answer.get("currency") or ""
    lines = [f"{answer['orderId']} {answer.get('orderStatus', '')}: {len(answer['events'])} financial event(s)"]
    lines += [
        f"  {e['occurredAt']}  {e['kind']:<8} {e['status']:<17} {e['total']:>10} {currency}  "
        f"posted {e['postedAt']}, released {e['releasedAt']}"
        for e in answer["events"]
    ]
    totals = answer["totals"]
    lines.append("  " + ", ".join(f"{name} {totals[name]}" for name in ("charged", "refunded", "fees", "withheld", "net")))
    return "\n".join(lines)


def _feeds(answer: dict) -> str:
    lines = [f"{answer['sellerId']}: {len(answer['feeds'])} feed(s)"]
    for feed in answer["feeds"]:
        counts = feed["summary"]
        lines.append(
            f"  {feed['feedId']}  {feed['feedType']}  {feed['processingStatus']}  "
            f"{counts['processed']} processed, {counts['errors']} error(s), {counts['warnings']} warning(s)"
        )
    return "\n".join(lines)


def _reports(answer: dict) -> str:
    lines = [f"{answer['sellerId']}: {len(answer['reports'])} report(s), {len(answer['schedules'])} schedule(s)"]
    lines += [
        f"  {r['reportId']}  {r['reportType']}  {r['processingStatus']}  {r.get('reportDocumentId', '')}"
        for r in answer["reports"]
    ]
    lines += [f"  schedule {s['reportScheduleId']}  {s['reportType']}  every {s['period']}" for s in answer["schedules"]]
    return "\n".join(lines)


def _scenario_run(answer: dict) -> str:
    lines = [f"scenario {answer['scenario']} (seller {answer['sellerId']}):", *(f"  {line}" for line in answer["log"])]
    names = list(answer["orders"].items())
    # A batch (place_order count: 80) would bury the log; show its ends, --json has all.
    shown = names if len(names) <= 12 else [*names[:5], ("…", f"{len(names) - 10} more (--json lists all)"), *names[-5:]]
    lines += [f"  {name} = {order_id}" for name, order_id in shown]
    lines.append(f"  clock: {_clock(answer['clock'])}")
    return "\n".join(lines)


def _scenarios(answer: dict) -> str:
    return "\n".join(f"{s['name']:<40} {s['description']}" for s in answer["scenarios"])


def _actions(answer: dict) -> str:
    return "\n".join(f"{a['name']:<28} {a['summary']}" for a in answer["actions"])


def _rates(answer: dict) -> str:
    return (
        "\n".join(
            f"{r['marketplaceId']:<16} {r['sellerCancelledOrders']}/{r['orders']} = {r['rate']:.2%}"
            f"{'  BREACHED (>= ' + format(r['threshold'], '.1%') + ')' if r['breached'] else ''}"
            for r in answer["rates"]
        )
        or "no orders"
    )


def _sellers(answer: dict) -> str:
    return "\n".join(f"{s['sellerId']:<24} {s['orders']:>6} orders  refresh token {s['refreshToken']}" for s in answer["sellers"])


def _seller(answer: dict) -> str:
    return f"seller {answer['sellerId']}: {answer['orders']} orders" + (
        f", refresh token {answer['refreshToken']}" if "refreshToken" in answer else " removed"
    )


def _throttling(answer: dict) -> str:
    return f"throttling {answer['mode']}" + (f" (x{answer['factor']:g})" if answer["mode"] == "scaled" else "")


def _faults(answer: dict) -> str:
    return "\n".join(json.dumps(f) for f in answer["faults"]) or "no faults"


def _fault(answer: dict) -> str:
    return f"{answer['faultId']}: {json.dumps(answer)}"


def _journal(answer: dict) -> str:
    lines = [
        f"{r['at']}  {r['status'] or 'dropped'}  {r['method']} {r['path']}  ({r['operation'] or '-'})" for r in answer["requests"]
    ]
    return "\n".join([*lines, f"{answer['count']} request(s)"])


def _notification_line(entry: dict) -> str:
    body = entry["body"]
    change = (body.get("Payload") or {}).get("OrderChangeNotification")
    what = f"{change['AmazonOrderId']} {change['OrderChangeType']}" if change else json.dumps(body.get("payload"))
    return f"{entry['eventTime']}  {entry['notificationType']}  {what}  ({entry['notificationId']})"


def _notifications(answer: dict) -> str:
    lines = [_notification_line(entry) for entry in answer["notifications"]]
    # A send that failed says so: how often, why, and when it is tried again.
    failing = [
        f"  pending {entry['notificationId']}: {entry['attempts']} attempt(s), "
        f"next at {entry['nextAttemptAt']}: {entry['lastError']}"
        for entry in answer.get("undelivered", [])
        if entry.get("nextAttemptAt")
    ]
    return "\n".join([*lines, f"{answer['count']} notification(s), {answer['pending']} pending", *failing])


def _cleared(answer: dict) -> str:
    return f"cleared {answer['cleared']}"


def _subscriptions(answer: dict) -> str:
    lines = [f"{answer['sellerId']}: {len(answer['subscriptions'])} subscription(s)"]
    lines += [
        f"  {s['subscriptionId']}  {s['notificationType']} {s['payloadVersion']}  to {s['destinationId']}"
        for s in answer["subscriptions"]
    ]
    lines.append(f"{len(answer['destinations'])} destination(s) of the application")
    lines += [f"  {d['destinationId']}  {d['name']}  {json.dumps(d['resource'])}" for d in answer["destinations"]]
    return "\n".join(lines)


def _auth(answer: dict) -> str:
    return "strict auth" if answer["strict"] else "lenient auth (any token is accepted)"


def _loaded(answer: dict) -> str:
    return f"{answer['orders']} orders"


def _health(answer: dict) -> str:
    return f"{answer['status']}: spapi-mock {answer['version']}, {answer['orders']} orders, clock {_clock(answer['clock'])}"


SUMMARIES: dict[str, Callable[[dict], str]] = {
    "getHealth": _health,
    **dict.fromkeys(("getClock", "freezeClock", "unfreezeClock", "setClock", "advanceClock"), _clock),
    "resetStore": _loaded,
    "loadFixtures": _loaded,
    "createOrder": _order,
    "applyAction": _order,
    "getOrderFinances": _finances,
    "listFeeds": _feeds,
    "processFeeds": _feeds,
    "listReports": _reports,
    "listNotificationSubscriptions": _subscriptions,
    "processReports": _reports,
    "listActions": _actions,
    "listScenarios": _scenarios,
    "runScenario": _scenario_run,
    "runInlineScenario": _scenario_run,
    "getCancellationRate": _rates,
    "listSellers": _sellers,
    "createSeller": _seller,
    "deleteSeller": _seller,
    "getThrottling": _throttling,
    "setThrottling": _throttling,
    "listFaults": _faults,
    "addFault": _fault,
    "clearFaults": _cleared,
    "deleteFault": _cleared,
    "getJournal": _journal,
    "clearJournal": _cleared,
    "listNotifications": _notifications,
    "waitForNotification": _notification_line,
    "clearNotifications": _cleared,
    "sendTestNotification": _notification_line,
    "getAuth": _auth,
    "setAuth": _auth,
}
