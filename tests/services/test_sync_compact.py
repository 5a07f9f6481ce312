"""A first import keeps of each deck file it has written only what the checks across files
read (:meth:`ParsedDeck.compact`): those checks find what ``validate`` finds, at the same
file:line:col."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from studyapp.deckfile.parsed import KeptCard, ParsedDeck
from studyapp.services.library import Library
from studyapp.services.validate import validate_paths
from tests.services.test_sync_cross_file import errors


def _header(deck: str) -> str:
    return f"format_version: 1\ndeck:\n  id: {deck}\n  title: {deck}\n  family: terms\ncards:\n"


def _card(card_id: str, more: str = "", front: str = "Q") -> str:
    return f"- id: {card_id}\n  front: {front}\n  back: B\n  source: zhou2024\n{more}"


def _course(folder: Path) -> None:
    """Three files, each valid on its own (so the first is written, then compacted), with a
    problem of every kind the checks across files find in it."""
    (folder / "a.yaml").write_text(
        _header("deck-a")
        + _card("a-cites", "  extra: See [@nosuch2020] and [@zhou2024].\n")
        + "- id: a-source\n  front: Q\n  back: B\n  source: [zhou2024, unknownsrc]\n"
        + _card("a-retired", "  retired: Gone.\n  replaced_by: nowhere-card\n")
        + _card("a-moduled", "  module: 3\n")
        + _card("shared")
    )
    # a citation made by an escape: no "[@" in the file's text
    escaped = _card("b-escaped", front='"Also \\x5b@ghost2021]."')
    (folder / "b.yaml").write_text(_header("deck-b") + escaped + _card("shared"))
    (folder / "c.yaml").write_text(_header("deck-c") + _card("c-1"))


def test_checks_across_files_see_the_kept_cards_as_validate_sees_the_models(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "course"
    folder.mkdir()
    _course(folder)
    compacted: list[list[object]] = []
    compact = ParsedDeck.compact

    def spy(deck: ParsedDeck, *args: Any) -> None:
        compact(deck, *args)
        compacted.append([card for _index, card in deck.entries])

    monkeypatch.setattr(ParsedDeck, "compact", spy)
    validated = errors(validate_paths([folder], held=[]).problems)
    assert compacted == []  # validate keeps the models
    library = Library(tmp_path / "store")
    try:
        plan = library.sync([folder])
    finally:
        library.close()
    assert errors(plan.problems) == validated
    assert [type(card) for card in compacted[0]] == [KeptCard] * 5
    messages = [message for *_where, message in validated]
    for expected in (
        "cites [@nosuch2020], which is not in the bibliography",
        "cites [@ghost2021], which is not in the bibliography",
        "unknown source id 'unknownsrc'",
        "'replaced_by' names no known card 'nowhere-card'",
        "module 3: no course file defines modules",
        "card id 'shared' is also used in",
    ):
        assert any(expected in message for message in messages), (expected, messages)


def test_a_compacted_deck_gives_the_same_problems(tmp_path: Path) -> None:
    from studyapp.deckfile.collection import check_collection
    from studyapp.deckfile.loader import parse_deck, read_bibliographies
    from studyapp.services.paths import bundled_sources_file

    _course(tmp_path)
    sources, _problems = read_bibliographies([bundled_sources_file()])
    decks = [parse_deck(tmp_path / name) for name in ("a.yaml", "b.yaml", "c.yaml")]
    assert all(deck.ok and deck._root is None for deck in decks)  # (read by the fast path)
    assert [deck.may_cite for deck in decks] == [True, True, False]
    before = check_collection(decks, sources)
    cards = [card for deck in decks for _index, card in deck.entries]
    for deck in decks:
        deck.compact()
        assert deck.model is not None and deck.model.cards == [] and deck.ok
    kept = [card for deck in decks for _index, card in deck.entries]
    assert [card.id for card in kept] == [card.id for card in cards]
    assert [(c.sources, c.cites, c.replaced_by, c.module) for c in kept] == [
        (c.sources, c.cites, c.replaced_by, c.module) for c in cards
    ]
    assert check_collection(decks, sources) == before
    assert len(before) == 5  # two citations, a source, a successor, a card id


def _course_without_shared_ids(folder: Path) -> None:
    """As :func:`_course`, but no card id in two files (so every file is written), and
    successors named in another file, in the same file and nowhere."""
    _course(folder)
    (folder / "b.yaml").write_text(
        _header("deck-b")
        + _card("b-escaped", front='"Also \\x5b@ghost2021]."')
        + _card("b-retired", "  retired: Gone.\n  replaced_by: c-1\n")
        + _card("b-retired-2", "  retired: Gone.\n  replaced_by: b-escaped\n")
    )
    text = (folder / "a.yaml").read_text().replace("- id: shared\n", "- id: a-shared\n")
    (folder / "a.yaml").write_text(text)


def test_a_streamed_import_with_every_file_written_checks_no_id_twice_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every file written: each one's ids were found in no file before it, so the checks
    # across files get every card id (unique_ids) and look for no id used twice again
    # (issue 19); the same problems as validate's, at the same file:line:col. With an id in
    # two files (the course above) they look as before.
    import studyapp.deckfile.loader as loader

    folder = tmp_path / "course"
    folder.mkdir()
    _course_without_shared_ids(folder)
    given: list[object] = []
    check = loader.check_collection

    def spy(*args: object, **kwargs: object) -> object:
        given.append(kwargs.get("unique_ids"))
        return check(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(loader, "check_collection", spy)
    validated = errors(validate_paths([folder], held=[]).problems)
    library = Library(tmp_path / "store")
    try:
        plan = library.sync([folder])
    finally:
        library.close()
    assert errors(plan.problems) == validated
    messages = [message for *_where, message in validated]
    assert len(messages) == 5, messages  # two citations, a source, a successor, a module
    assert any("'replaced_by' names no known card 'nowhere-card'" in m for m in messages)
    ids = {"a-cites", "a-source", "a-retired", "a-moduled", "a-shared", "b-escaped"}
    assert given == [ids | {"b-retired", "b-retired-2", "c-1"}]  # (the sync's checks)
    given.clear()
    library = Library(tmp_path / "store-2")
    try:
        _course(folder)  # "shared" in two files: b.yaml is not written
        plan = library.sync([folder])
    finally:
        library.close()
    assert given == [None]
    assert any("card id 'shared' is also used in" in p.message for p in plan.problems)


def test_unique_ids_give_the_checks_the_same_problems(tmp_path: Path) -> None:
    from studyapp.deckfile.collection import check_collection
    from studyapp.deckfile.loader import parse_deck, read_bibliographies
    from studyapp.services.paths import bundled_sources_file

    _course_without_shared_ids(tmp_path)
    sources, _problems = read_bibliographies([bundled_sources_file()])
    decks = [parse_deck(tmp_path / name) for name in ("a.yaml", "b.yaml", "c.yaml")]
    ids = {card.id for deck in decks for _index, card in deck.entries}
    before = check_collection(decks, sources)
    assert len(before) == 4  # two citations, a source, a successor
    assert check_collection(decks, sources, unique_ids=ids) == before
    for deck in decks:
        deck.compact()
    assert check_collection(decks, sources, unique_ids=ids) == before


@pytest.mark.parametrize(
    ("source", "cite"),
    [
        ("a", None),
        ("x", None),
        (["a", "b"], None),
        (["a", "x"], None),
        ("a", "b"),
        ("a", "x"),
        ("a", ["b", "a"]),
        ("a", ["b", "x"]),
        (["x"], ["a"]),
    ],
)
def test_a_kept_card_ids_are_checked_as_the_models_are(
    tmp_path: Path, source: object, cite: object
) -> None:
    """The checks across files read a kept card's source and cite ids from its fields (their
    usual case: every one known): the same problems as from the card model's lists."""
    from studyapp.deckfile.collection import check_collection
    from studyapp.deckfile.loader import parse_deck, read_bibliographies
    from studyapp.services.paths import bundled_sources_file

    real = {"a": "zhou2024", "b": "rieser2021", "x": "nosuch2020"}

    def letters(ids: object) -> list[str]:
        return [] if ids is None else [ids] if isinstance(ids, str) else list(ids)  # type: ignore[call-overload]

    def written(ids: object) -> str:
        named = [real[i] for i in letters(ids)]
        return named[0] if isinstance(ids, str) else f"[{', '.join(named)}]"

    more = f"  cite: {written(cite)}\n" if cite is not None else ""
    path = tmp_path / "d.yaml"
    path.write_text(
        _header("deck-d") + f"- id: c-1\n  front: Q\n  back: B\n  source: {written(source)}\n{more}"
    )
    sources, _problems = read_bibliographies([bundled_sources_file()])
    deck = parse_deck(path)
    assert deck.ok and deck._root is None  # (the fast path)
    before = check_collection([deck], sources)
    deck.compact()
    assert type(deck.entries[0][1]) is KeptCard
    assert check_collection([deck], sources) == before
    assert bool(before) == ("x" in letters(source) + letters(cite))


def test_a_kept_card_is_made_as_its_named_tuple_makes_it(tmp_path: Path) -> None:
    # _kept makes the tuple without KeptCard's own __new__ (issue 19): the same type, fields
    # and equality as KeptCard(...) for every card of the course, citing or not.
    from studyapp.deckfile.loader import parse_deck
    from studyapp.deckfile.parsed import _kept, citing

    _course(tmp_path)
    for name in ("a.yaml", "b.yaml", "c.yaml"):
        deck = parse_deck(tmp_path / name)
        assert deck.model is not None
        for card in deck.model.cards:
            texts = citing(card.__dict__)
            made = _kept(card, texts)
            expected = KeptCard(
                card.id, card.source, card.cite, card.replaced_by, card.module, texts
            )
            assert type(made) is KeptCard and made == expected
            assert made._asdict() == expected._asdict() and made.sources == card.sources


def test_a_quiet_file_is_checked_again_against_another_bibliography(tmp_path: Path) -> None:
    # A file found quiet (issue 19: every card naming known sources only, found while its
    # rows were built) is quiet for that bibliography only: checked against one without
    # zhou2024, its cards are looked at, and their unknown ids reported as before.
    from studyapp.deckfile.collection import check_collection
    from studyapp.deckfile.loader import parse_deck, read_bibliographies
    from studyapp.services.deckrows import FirstImportRows
    from studyapp.services.paths import bundled_sources_file

    _course(tmp_path)
    sources, _problems = read_bibliographies([bundled_sources_file()])
    deck = parse_deck(tmp_path / "c.yaml", records=True)
    rows = FirstImportRows(deck, now=1, keep=True, known=frozenset(sources))
    assert rows.quiet == frozenset(sources)
    deck.compact(rows.kept, rows.quiet)
    assert deck.quiet is not None
    fewer = {k: v for k, v in sources.items() if k != "zhou2024"}
    found = check_collection([deck], fewer, unique_ids={"c-1"})
    assert [p.message for p in found] == [
        m.message for m in check_collection([parse_deck(tmp_path / "c.yaml")], fewer)
    ]
    assert len(found) == 1 and "unknown source id 'zhou2024'" in found[0].message
    assert check_collection([deck], sources, unique_ids={"c-1"}) == []


@pytest.mark.parametrize(
    ("more", "quiet"),
    [
        ("", True),
        ("  extra: See [@zhou2024].\n", False),  # a text citing (known or not: looked at)
        ("  extra: See [@nosuch2020].\n", False),
        ('  extra: "See \\x5b@ghost2021]."\n', False),  # an escape makes one
        ("  cite: nosuch2020\n", False),
        ("  cite: [zhou2024, nosuch2020]\n", False),
        ("  cite: [zhou2024, rieser2021]\n", True),
        ("  retired: Gone.\n  replaced_by: c-1\n", False),  # a successor, known
        ("  retired: Gone.\n  replaced_by: nowhere-card\n", False),
        ("  retired: Gone.\n", True),
    ],
)
def test_a_file_is_quiet_only_when_the_checks_across_files_have_nothing_to_see(
    tmp_path: Path, more: str, quiet: bool
) -> None:
    # One pass over a file's cards builds its rows and finds whether the checks across
    # files need to look at its cards (issue 19): never when one could find a problem.
    from studyapp.deckfile.collection import check_collection
    from studyapp.deckfile.loader import parse_deck, read_bibliographies
    from studyapp.services.deckrows import FirstImportRows
    from studyapp.services.paths import bundled_sources_file

    path = tmp_path / "d.yaml"
    path.write_text(_header("deck-d") + _card("c-1") + _card("c-2", more))
    sources, _problems = read_bibliographies([bundled_sources_file()])
    models = parse_deck(path)
    expected = check_collection([models], sources)
    deck = parse_deck(path, records=True)
    assert deck.ok and deck._root is None  # (the fast path)
    rows = FirstImportRows(deck, now=1, keep=True, known=frozenset(sources))
    assert (rows.quiet is not None) is quiet
    deck.compact(rows.kept, rows.quiet)
    assert check_collection([deck], sources, unique_ids={"c-1", "c-2"}) == expected
    assert bool(expected) is ("nosuch" in more or "ghost" in more or "nowhere" in more)


def test_a_file_naming_an_unknown_source_is_not_quiet(tmp_path: Path) -> None:
    from studyapp.deckfile.collection import check_collection
    from studyapp.deckfile.loader import parse_deck, read_bibliographies
    from studyapp.services.deckrows import FirstImportRows
    from studyapp.services.paths import bundled_sources_file

    path = tmp_path / "d.yaml"
    path.write_text(
        _header("deck-d") + _card("c-1") + _card("c-2").replace("zhou2024", "[zhou2024, nosrc]")
    )
    sources, _problems = read_bibliographies([bundled_sources_file()])
    expected = check_collection([parse_deck(path)], sources)
    assert len(expected) == 1 and "unknown source id 'nosrc'" in expected[0].message
    deck = parse_deck(path, records=True)
    rows = FirstImportRows(deck, now=1, keep=True, known=frozenset(sources))
    assert rows.quiet is None
    deck.compact(rows.kept, rows.quiet)
    assert check_collection([deck], sources, unique_ids={"c-1", "c-2"}) == expected


@pytest.mark.parametrize("module", [None, 3])
def test_a_compacted_deck_has_its_modules_checked_as_before(
    tmp_path: Path, module: int | None
) -> None:
    # compact() finds whether any kept card names a module (issue 19: the checks of modules
    # then read none of a file's cards): the same problems as from the models.
    from studyapp.deckfile.course import read_courses
    from studyapp.deckfile.loader import parse_deck

    more = f"  module: {module}\n" if module is not None else ""
    path = tmp_path / "d.yaml"
    path.write_text(_header("deck-d") + _card("c-1") + _card("c-2", more))
    courses = read_courses([path])
    expected = courses.check([parse_deck(path)])
    assert bool(expected) is (module is not None)
    for records in (False, True):
        deck = parse_deck(path, records=records)
        deck.compact()
        assert deck.modules_named is (module is not None)
        assert courses.check([deck]) == expected
