"""reports/review/index.html: the review as one static page (template beside this module)."""

from __future__ import annotations

from html import escape
from pathlib import Path
from string import Template
from typing import Any, Dict, List

from newsroom import charts

TEMPLATE = Path(__file__).resolve().parent / "templates" / "review.html"


def render(review: Dict[str, Any], title: str) -> str:
    """The page for ``review`` (review.json's data)."""
    period = review["period"]
    page = Template(TEMPLATE.read_text(encoding="utf-8"))
    body = (f'<p class="empty" id="empty">{escape(review["message"])}</p>' if review["empty"]
            else "\n".join([_totals(review), _days(review), _did_you_mean(review), _unanswered(review), _demand(review),
                                  _ratings(review)]))
    return page.substitute(
        title=escape(title),
        period=escape(f'{period["since"] or "the beginning"} to {period["until"] or "today"}'),
        store=escape(review["store"]),
        generated=escape(review["generated"]),
        body=body,
    )


def _table(headers: List[str], rows: List[List[str]], numeric: int = 0) -> str:
    """An HTML table; cells are already escaped; the last ``numeric`` columns align right."""
    head = "".join(f"<th scope=\"col\">{h}</th>" for h in headers)
    lines = []
    for row in rows:
        cells = [f'<td class="n">{c}</td>' if i >= len(row) - numeric else f"<td>{c}</td>" for i, c in enumerate(row)]
        lines.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(lines)}</tbody></table>"


def _totals(review: Dict[str, Any]) -> str:
    totals, labels = review["totals"], review["outcome_labels"]
    answered = totals["outcomes"].get("answered", 0) + totals["outcomes"].get("follow_up", 0)
    missed = sum(group["count"] for group in review["unanswered"])
    cards = [("conversations", totals["conversations"]), ("messages", totals["messages"]),
             ("answered from the store", answered), ("unanswered questions", missed)]
    html = '<section id="totals"><h2>Totals</h2><div class="cards">' + "".join(
        f'<div class="card"><b>{value}</b>{escape(name)}</div>' for name, value in cards) + "</div>"
    rows = [[escape(labels[k]), str(v)] for k, v in totals["outcomes"].items()]
    return html + _table(["how the turn ended", "turns"], rows, numeric=1) + "</section>"


def _days(review: Dict[str, Any]) -> str:
    keys = list(review["outcome_labels"])
    return ('<section id="days"><h2>Per day</h2>'
            + charts.grouped_days(review["days"], [("conversations", "conversations"), ("messages", "messages")],
                                  "Conversations and messages per day")
            + charts.stacked_days(review["days"], keys, review["outcome_labels"], "How each turn ended, per day")
            + "</section>")


def _did_you_mean(review: Dict[str, Any]) -> str:
    data = review["did_you_mean"]
    rows = [[escape(choice), str(n)] for choice, n in data["choices"].items()]
    return (f'<section id="did-you-mean"><h2>“Did you mean”: offered {data["offered"]} times</h2>'
            "<p>What the reader did next: picked a suggestion (named), “Something else”, typed a new message, "
            "or left.</p>" + _table(["the reader then", "times"], rows, numeric=1) + "</section>")


def _unanswered(review: Dict[str, Any]) -> str:
    rows = []
    for group in review["unanswered"]:
        topic = group["nearest_topic"] or {}
        verdict = ('<span class="train">covered: add training data</span>' if group["covered"]
                   else '<span class="write">not covered: a subject to write about</span>')
        examples = "".join(f"<li>{escape(e)}</li>" for e in group["examples"])
        outcome_names = ", ".join(f'{escape(review["outcome_labels"].get(k, k))} ({n})' for k, n in group["outcomes"].items())
        rows.append([
            str(group["id"]), f'<ul class="examples">{examples}</ul><small>{outcome_names}</small>',
            f'{escape(topic.get("question", "none"))} <small>({topic.get("similarity", 0)})</small><br>{verdict}',
            escape(group["first_seen"]), escape(group["last_seen"]), str(group["count"]),
        ])
    return ('<section id="unanswered"><h2>What readers asked that the assistant could not answer</h2>'
            "<p>Grouped by meaning, largest group first. “Not covered” groups are what the explainer does not "
            "say: candidates for the newsroom's next piece. “Covered” groups resemble a topic the assistant "
            "answers: check <code>candidates.yml</code> and add them as training data.</p>"
            + _table(["group", "three examples", "nearest topic (similarity)", "first seen", "last seen", "messages"],
                     rows, numeric=1) + "</section>")


def _demand(review: Dict[str, Any]) -> str:
    demand = review["demand"]
    topics = charts.horizontal([(t["question"], t["asked"]) for t in demand["topics"]], "Answers given, by topic")
    rows = [[escape(t["question"]), str(t["asked"]), str(t["tell_more"])] for t in demand["topics"] if t["asked"] or t["tell_more"]]
    entities = [[escape(e["name"]), str(e["asked"])] for e in demand["entities"]]
    unknown = [[escape(u["name"]), str(u["asked"])] for u in demand["unknown_names"]]
    buttons = charts.horizontal([(b["title"], b["clicks"]) for b in demand["buttons"]],
                                "Suggestion buttons clicked", colour=charts.PALETTE[1])
    return ('<section id="demand"><h2>Demand by topic</h2>' + topics
            + _table(["topic", "answered", "then “tell me more”"], rows, numeric=2)
            + "<h3>Places, people and groups asked about</h3>" + _table(["name", "answers"], entities, numeric=1)
            + "<h3>Names the explainer does not mention</h3>" + _table(["name as typed", "times"], unknown, numeric=1)
            + "<h3>Suggestion buttons clicked</h3>" + buttons + "</section>")


def _ratings(review: Dict[str, Any]) -> str:
    data = review["ratings"]
    rows = [[escape(t["question"]), str(t["helpful"]), str(t["not_helpful"]), f'{round(100 * t["helpful_share"])}%']
            for t in data["topics"]]
    chart = charts.horizontal([(t["question"], t["not_helpful"]) for t in data["topics"]],
                              "“Not helpful” ratings, by topic", colour=charts.PALETTE[2])
    return (f'<section id="ratings"><h2>Ratings: {data["rated"]} answers rated, {data["helpful"]} helpful, '
            f'{data["not_helpful"]} not helpful</h2>'
            "<p>What readers said about the answers, lowest-rated first: rewrite the answers at the top in "
            "<code>content/topics/</code>, or check whether readers asked something else than the topic answers.</p>"
            + chart + _table(["topic", "helpful", "not helpful", "helpful share"], rows, numeric=3) + "</section>")
