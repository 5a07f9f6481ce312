"""Everything the statistics screen, the supervisor's report and ``studyapp stats`` show,
gathered in one object, and its JSON form."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from studyapp.services.figures import (
    AnswerStats,
    CardLine,
    Coverage,
    Histogram,
    Hours,
    Memory,
    ModuleCoverage,
    Steering,
)
from studyapp.services.stats import FORECAST_WINDOWS, Forecast, Statistics, StatsScope
from studyapp.services.text import describe_duration, describe_stability

if TYPE_CHECKING:
    from studyapp.services.readiness import Readiness

# The readiness forecast (studyapp.services.readiness) is imported only when an exam date
# asks for it: ``studyapp stats --json`` without one does not use it, and importing it
# was 36.0 M instructions of the command's imports (callgrind, PYTHONHASHSEED=0: the
# modules stats --json imports, 476.9 M without it against 512.9 M with it; issue 19).

__all__ = [
    "Progress",
    "ReportData",
    "collect",
    "collect_report",
    "progress_json",
    "progress_lines",
    "readiness_json",
]


@dataclass(frozen=True, slots=True)
class Progress:
    """All statistics of one scope at one moment."""

    scope: StatsScope
    generated_at: datetime
    answers: AnswerStats
    hours: Hours
    forecast: Forecast
    coverage: Coverage
    memory: Memory
    steering: Steering
    readiness: Readiness | None


def collect(
    stats: Statistics,
    scope: StatsScope,
    exam_date: date | None = None,
    *,
    progress: Callable[[str], None] | None = None,
) -> Progress:
    """Compute every panel (``progress`` is told each one's name as it starts).

    Two threads share the work: most of it is SQLite's, which runs without Python's GIL,
    so on two cores the answers (the tally) and the cards (index reads, memory) are read
    side by side. Each thread has its own connection.
    """

    def step(name: str) -> None:
        if progress is not None:
            progress(name)

    stats.ensure_ready()
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="stats") as pool:

        def answers_side() -> tuple[AnswerStats, Hours, Steering]:
            step("answers")
            answers = stats.answers(scope)
            step("hours")
            hours = stats.hours(scope)
            step("steering")
            return answers, hours, stats.steering(scope)

        def cards_side() -> tuple[Forecast, Coverage, Memory, Readiness | None]:
            step("forecast")
            forecast = stats.forecast(scope)
            step("coverage")
            coverage = stats.coverage(scope)
            step("memory")
            memory = stats.memory(scope)
            ready = None
            if exam_date is not None:
                from studyapp.services.readiness import readiness

                step("readiness")
                ready = readiness(stats, scope, exam_date)
            return forecast, coverage, memory, ready

        first = pool.submit(answers_side)
        second = pool.submit(cards_side)
        answers, hours, steering = first.result()
        forecast, coverage, memory, ready = second.result()
    return Progress(scope, stats.now(), answers, hours, forecast, coverage, memory, steering, ready)


@dataclass(frozen=True, slots=True)
class ReportData:
    """What the supervisor's report shows (fewer panels than the screen, so it is quick)."""

    scope: StatsScope
    generated_at: datetime
    today: date
    answers: AnswerStats
    coverage: Coverage
    forecast: Forecast
    readiness: Readiness | None
    desired_retention: float
    new_per_day: int
    critical_retention: float = 0.95
    modules: tuple[ModuleCoverage, ...] = ()
    """Coverage per course module (empty when the course defines none)."""


def collect_report(stats: Statistics, scope: StatsScope, exam_date: date | None) -> ReportData:
    """The report's figures: answers (calendar, streak, true retention), coverage, the
    forecast, and readiness for ``exam_date`` if one is given (two threads, as
    :func:`collect`)."""
    now = stats.now()
    stats.ensure_ready()
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="report") as pool:
        answers = pool.submit(stats.answers, scope)
        modules = pool.submit(stats.module_coverage, scope)

        def cards_side() -> tuple[Coverage, Forecast, Readiness | None]:
            ready = None
            if exam_date is not None:
                from studyapp.services.readiness import readiness

                ready = readiness(stats, scope, exam_date)
            return stats.coverage(scope), stats.forecast(scope, days=30), ready

        coverage, forecast, ready = pool.submit(cards_side).result()
        return ReportData(
            scope=scope,
            generated_at=now,
            today=stats.local_date(stats.day_start(now)),
            answers=answers.result(),
            coverage=coverage,
            forecast=forecast,
            readiness=ready,
            desired_retention=stats.settings.desired_retention,
            new_per_day=stats.settings.new_per_day,
            critical_retention=stats.settings.critical_retention,
            modules=modules.result(),
        )


def _histogram(h: Histogram) -> dict[str, Any]:
    return {"labels": list(h.labels), "counts": list(h.counts)}


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def readiness_json(r: Readiness) -> dict[str, Any]:
    data: dict[str, Any] = {
        "exam_date": r.exam_date.isoformat(),
        "days": r.days,
        "status": r.status,
        "message": r.message,
    }
    if not r.ok:
        return data
    data["desired_retention"] = r.desired_retention
    data["critical_retention"] = r.critical_retention
    data["retentions_in_use"] = list(r.retentions)
    data["on_schedule_recall"] = _round(r.on_schedule_recall)
    data["new_card_recall"] = _round(r.new_card_recall)
    data["groups"] = [
        {
            "kind": g.kind,
            "id": g.id or None,
            "title": g.title,
            "cards": g.cards,
            "learned": g.learned,
            "new": g.new,
            "recall_now": _round(g.share_now),
            "recall_on_date": _round(g.share_on_date),
            "recall_if_finished": _round(g.share_if_finished),
            "new_introduced_by_date": g.introduced_by_date,
        }
        for g in r.groups
    ]
    data["at_risk"] = [
        {
            "card_id": a.card_id,
            "question": a.question,
            "deck": a.deck,
            "recall_on_date": _round(a.recall),
            "due": a.due.isoformat(),
        }
        for a in r.at_risk
    ]
    for name, plan in (("at_current_limit", r.current), ("to_finish", r.finish)):
        if plan is not None:
            data[name] = {
                "new_per_day": plan.new_per_day,
                "new_introduced": plan.introduced,
                "finishes_on": plan.finishes_on.isoformat() if plan.finishes_on else None,
                "reviews_per_day": round(plan.reviews_per_day, 1),
                "peak_reviews_per_day": round(plan.peak_reviews, 1),
                "minutes_per_day": _round(plan.minutes_per_day, 1),
            }
    return data


def _steering_json(s: Steering) -> dict[str, Any]:
    def lines(items: tuple[CardLine, ...], count: str) -> list[dict[str, Any]]:
        return [
            {
                "card_id": c.card_id,
                "question": c.question,
                "deck": c.deck,
                count: c.times,
                "suspended": c.suspended,
            }
            for c in items
        ]

    return {
        "leech_threshold": s.leech_threshold,
        "leeches": s.leeches,
        "leeches_suspended": s.leeches_suspended,
        "leech_cards": lines(s.leech_cards, "lapses"),
        "not_now": {
            "first_day": s.first_day.isoformat(),
            "per_day": list(s.deferrals),
            "total": s.deferred,
            "most_put_off": lines(s.most_deferred, "times"),
        },
    }


def progress_json(p: Progress) -> dict[str, Any]:
    """The statistics as JSON values (``studyapp stats --json``)."""
    a = p.answers
    f = p.forecast
    m = p.memory
    return {
        "scope": p.scope.title,
        "generated_at": p.generated_at.isoformat(),
        "today": {
            "cards": a.today.cards,
            "answers": a.today.answers,
            "minutes": round(a.today.seconds / 60, 1),
            "again": a.today.again,
            "again_rate": _round(a.today.again_rate),
            "learning": a.today.learning,
            "review": a.today.review,
            "relearning": a.today.relearning,
        },
        "streak": {
            "current": a.streak.current,
            "longest": a.streak.longest,
            "studied_today": a.streak.studied_today,
            "days_studied_last_year": a.streak.days_last_year,
        },
        "calendar": {"first_day": a.calendar.first_day.isoformat(), "answers": a.calendar.counts},
        "time": {
            "first_day": a.time.first_day.isoformat(),
            "minutes_per_day": [round(x, 2) for x in a.time.minutes],
            "total_minutes": round(a.time.total_minutes, 1),
            "seconds_per_answer": _round(a.time.seconds_per_answer, 2),
        },
        "total_answers": a.total_answers,
        "true_retention": {period.key: period.to_json() for period in a.retention.periods},
        "forecast": {
            "overdue": f.overdue,
            **{f"next_{days}_days": f.total(days) for days in FORECAST_WINDOWS},
            "learning": list(f.learning),
            "review": list(f.review),
        },
        "memory": {
            "cards": m.cards,
            "stability_days": _histogram(m.stability),
            "difficulty": _histogram(m.difficulty),
            "retrievability": _histogram(m.retrievability),
            "median_stability_days": _round(m.median_stability, 2),
            "median_difficulty": _round(m.median_difficulty),
            "average_retrievability": _round(m.average_retrievability),
        },
        "steering": _steering_json(p.steering),
        "hours": {
            "days": p.hours.days,
            "answers": list(p.hours.answers),
            "again": list(p.hours.failed),
        },
        "coverage": [
            {
                "family": fam.id,
                "title": fam.title,
                "cards": fam.total,
                "new": fam.new,
                "learning": fam.learning,
                "young": fam.young,
                "mature": fam.mature,
                "suspended": fam.suspended,
                "decks": [
                    {
                        "id": d.id,
                        "title": d.title,
                        "cards": d.total,
                        "new": d.new,
                        "learning": d.learning,
                        "young": d.young,
                        "mature": d.mature,
                        "suspended": d.suspended,
                    }
                    for d in fam.decks
                ],
            }
            for fam in p.coverage.families
        ],
        "readiness": readiness_json(p.readiness) if p.readiness is not None else None,
    }


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _count(period_passed: int, period_failed: int, rate: float | None) -> str:
    n = period_passed + period_failed
    return "-" if not n else f"{_pct(rate)} of {n:,}"


def progress_lines(p: Progress) -> list[str]:
    """The statistics as plain text lines (``studyapp stats`` without ``--json``)."""
    a = p.answers
    t = a.today
    lines = ["", f"Statistics: {p.scope.title}"]
    if t.answers:
        lines.append(
            f"Today: {t.cards:,} cards studied, {t.answers:,} answers in "
            f"{describe_duration(t.seconds)}, Again {_pct(t.again_rate)} "
            f"(learning {t.learning}, review {t.review}, relearning {t.relearning})"
        )
    else:
        lines.append("Today: nothing studied yet.")
    s = a.streak
    lines.append(
        f"Streak: {s.current} day{'s' if s.current != 1 else ''} (longest {s.longest}); "
        f"studied on {s.days_last_year} of the last 365 days"
    )
    f = p.forecast
    windows = ", ".join(f"next {d} days {f.total(d):,}" for d in FORECAST_WINDOWS)
    lines.append(f"Forecast: {f.overdue:,} overdue, {f.due(0):,} due today; {windows}")
    lines.append("True retention (Anki's: pass rate of answers to cards with an interval of")
    lines.append("a day or more; young < 21 days <= mature):")
    lines.append(f"  {'period':<15}{'young':>18}{'mature':>18}{'total':>18}")
    for period in a.retention.periods:
        lines.append(
            f"  {period.label:<15}"
            f"{_count(period.young_passed, period.young_failed, period.young):>18}"
            f"{_count(period.mature_passed, period.mature_failed, period.mature):>18}"
            f"{_count(period.passed, period.failed, period.total):>18}"
        )
    m = p.memory
    if m.cards:
        lines.append(
            f"Memory: {m.cards:,} cards; median stability "
            f"{describe_stability(m.median_stability or 0)}, "
            f"median difficulty {_pct(m.median_difficulty)}, average retrievability "
            f"{_pct(m.average_retrievability)}"
        )
    else:
        lines.append("Memory: no card studied yet.")
    h = p.hours
    if h.total:
        busiest = max(range(24), key=lambda hour: h.answers[hour])
        lines.append(
            f"Answers by hour (last {h.days} days): busiest {busiest:02d}:00 "
            f"({h.answers[busiest] / h.total:.0%} of answers)"
        )
    st = p.steering
    lines.append(
        f"Leeches: {st.leeches:,} ({st.leeches_suspended:,} suspended); put off with Not now: "
        f"{st.deferred:,} times in the last {len(st.deferrals)} days"
    )
    c = p.coverage
    lines.append(f"Coverage: {c.started:,} of {c.total:,} cards started")
    for fam in c.families:
        lines.append(
            f"  {fam.title:<28}{fam.started:>8,} of {fam.total:>8,} started "
            f"({_pct(fam.started_share)}), {fam.mature:,} mature"
        )
    r = p.readiness
    if r is not None:
        lines.append(f"Readiness for {r.exam_date.isoformat()}: {r.message}")
        if r.ok:
            for g in r.groups:
                indent = {"total": "  ", "family": "  ", "deck": "    ", "module": "  "}[g.kind]
                lines.append(
                    f"{indent}{g.title_in_family:<30}{_pct(g.share_on_date):>8} on the date "
                    f"(now {_pct(g.share_now)}; {_pct(g.share_if_finished)} with every card "
                    "introduced)"
                )
            for label, plan in (("At your limit", r.current), ("To finish", r.finish)):
                if plan is None:
                    continue
                ends = (
                    f"all introduced by {plan.finishes_on.isoformat()}"
                    if plan.finishes_on
                    else f"{plan.introduced:,} introduced by then"
                )
                minutes = (
                    f", about {describe_duration(plan.minutes_per_day * 60)} a day"
                    if plan.minutes_per_day is not None
                    else ""
                )
                lines.append(
                    f"  {label}: {plan.new_per_day:,} new cards a day ({ends}); "
                    f"{plan.reviews_per_day:,.0f} reviews a day on average{minutes}"
                )
            if r.at_risk:
                lines.append("  Most at risk on the date:")
                for item in r.at_risk:
                    lines.append(f"    {item.recall:.0%}  {item.question}  [{item.deck}]")
    return lines
