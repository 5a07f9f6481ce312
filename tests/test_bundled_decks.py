"""The bundled decks: valid, sourced, cited where they teach evidence, one id per card."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from studyapp.deckfile.loader import (
    ParsedDeck,
    check_collection,
    discover_deck_files,
    parse_bibliography,
    parse_deck,
)
from studyapp.deckfile.schema import BibEntry
from studyapp.services.paths import bundled_decks_dir, bundled_sources_file

SEEDS = {"zhou2024", "rieser2021", "consensus_nd", "rehabblog_nd", "feduccia2018"}
DECKS_DOC = Path(__file__).resolve().parent.parent / "docs" / "decks.md"
CARD_ID_IN_DOC = re.compile(r"`((?:mech|ev|term|proc|safe)-[a-z0-9-]+)`")


@pytest.fixture(scope="module")
def bibliography() -> dict[str, BibEntry]:
    return parse_bibliography(bundled_sources_file()).entries


@pytest.fixture(scope="module")
def decks() -> list[ParsedDeck]:
    files, _ = discover_deck_files([bundled_decks_dir()])
    return [parse_deck(path) for path in files]


def test_every_bundled_deck_is_valid_without_warnings(
    decks: list[ParsedDeck], bibliography: dict[str, BibEntry]
) -> None:
    problems = [str(p) for d in decks for p in d.problems] + [
        str(p) for p in check_collection(decks, bibliography)
    ]
    assert problems == []
    assert all(d.ok for d in decks)


NO_SEED_CARRIES = {
    # Searched for in all five seeds and the source notes: none mentions HPPD, flashbacks or
    # any lasting perceptual effect. The definition is Halpern 2018's, the follow-up advice
    # Johnson 2008's.
    "term-hppd": {"halpern2018", "johnson2008"},
    # safety-risks: no seed mentions blood pressure, heart rate or temperature, trial
    # exclusions or tapers, family history, MAOIs, lithium, the MP-4 misconduct, unblinding,
    # the Spravato REMS or suicidality after dosing (the rehab blog only calls MDMA safe in
    # controlled settings).
    "safe-mdma-cardiovascular": {"vizeli2017", "mitchell2021"},
    "safe-trial-psychiatric-exclusions": {"mitchell2021", "raison2023", "johnson2008"},
    "safe-family-history-screening": {"johnson2008"},
    "safe-trial-medication-taper": {"mitchell2021", "raison2023"},
    "safe-why-taper-antidepressants": {"liechti2000", "mitchell2021"},
    "safe-maoi-mdma-serotonin-toxicity": {"pilgrim2012"},
    "safe-lithium-seizures": {"nayak2021"},
    "safe-boundary-violations": {"psychopharmacology-retractions-2024"},
    "safe-functional-unblinding": {"fda-adcomm-2024"},
    "safe-spravato-rems": {"spravato-rems"},
    "safe-followup-after-dosing": {"goodwin2022"},
    # process-therapy: no seed gives the phase 3 protocol's counts or doses, MDMA's effect on
    # vital signs or a driving rule (the Feduccia summary says only that sessions last eight hours
    # with a co-therapist team). No document here states a driving rule after an MDMA or
    # psilocybin session, so the driving card teaches the one the FDA sets for esketamine.
    "proc-phase3-session-schedule": {"mitchell2021", "mitchell2023"},
    "proc-phase3-dose": {"mitchell2021", "mitchell2023"},
    "proc-phase3-integration-count": {"mitchell2021", "mitchell2023"},
    "proc-mdma-session-vital-signs": {"vizeli2017", "mitchell2021"},
    "proc-no-driving-after-dosing": {"spravato-rems"},
    # evidence-mdma: the Zhou review says only that a phase 3 trial beat placebo; no seed gives
    # MAPP1's or MAPP2's sample, effect size, remission or diversity, the phase 2 crossover, or
    # the MDMA alcohol study.
    "ev-mdma-followup-uncontrolled": {"jerome2020"},
    "ev-mapp1-sample": {"mitchell2021"},
    "ev-mapp1-effect-size": {"mitchell2021"},
    "ev-mapp2-sample": {"mitchell2023"},
    "ev-mapp2-effect-size": {"mitchell2023"},
    "ev-mapp2-remission": {"mitchell2023"},
    "ev-mapp2-diverse-sample": {"mitchell2023"},
    "ev-mdma-sud-no-rct": {"sessa2019"},
    # evidence-psilocybin-lsd: the Zhou review names the JAMA Psychiatry trial and an LSD anxiety
    # study without figures; no seed gives Davis 2021's sample, control or doses, the 12-month
    # follow-up, the COMP360, Raison, Gasser, Griffiths, Ross, Holze or MM120 figures.
    "ev-davis2021-sample": {"davis2021"},
    "ev-davis2021-control": {"davis2021"},
    "ev-davis2021-dosing": {"davis2021"},
    "ev-gukasyan2022-12-month": {"gukasyan2022"},
    "ev-goodwin2022-design": {"goodwin2022"},
    "ev-goodwin2022-result": {"goodwin2022"},
    "ev-raison2023": {"raison2023"},
    "ev-gasser2014-design": {"gasser2014"},
    "ev-gasser2014-result": {"gasser2014"},
    "ev-griffiths2016-cancer": {"griffiths2016"},
    "ev-ross2016-cancer": {"ross2016"},
    "ev-holze2023-lsd": {"holze2023"},
    "ev-mm120-gad-2025": {"mm120-gad-2025"},
    # evidence-sud-ketamine: the rehab blog names psilocybin for alcohol and nicotine but no trial
    # design or result, and never mentions esketamine.
    "ev-johnson2014-design": {"johnson2014"},
    "ev-johnson2014-result": {"johnson2014"},
    "ev-bogenschutz2022-design": {"bogenschutz2022"},
    "ev-bogenschutz2022-result": {"bogenschutz2022"},
    "ev-esketamine-approval": {"fda-esketamine-2019"},
    # evidence-regulatory: the Consensus overview gives the breakthrough designations for MDMA
    # (PTSD) and psilocybin (TRD) only; no seed mentions Usona, MM120, Lykos, the NDA, the
    # advisory committee, the FDA's concerns, the retractions, the state programmes or Australia's
    # indications.
    "ev-btd-psilocybin-mdd-2019": {"fda-btd-psilocybin"},
    "ev-btd-mm120-2024": {"fda-btd-mm120-2024"},
    "ev-lykos-rename": {"lykos-2024"},
    "ev-mdma-nda-2023": {"fda-adcomm-2024"},
    "ev-adcomm-effectiveness-vote": {"fda-adcomm-2024"},
    "ev-adcomm-benefit-risk-vote": {"fda-adcomm-2024"},
    "ev-fda-mdma-concerns": {"fda-adcomm-2024", "fda-crl-2024"},
    "ev-retractions-2024": {"psychopharmacology-retractions-2024"},
    "ev-oregon-measure-109": {"us-state-psilocybin"},
    "ev-colorado-prop-122": {"us-state-psilocybin"},
    "ev-new-mexico-act": {"us-state-psilocybin"},
    "ev-australia-indications": {"tga2023"},
    # mechanisms-brain: the Zhou review credits plasticity to a Cell Reports study, not Shao 2021;
    # the Consensus overview ties executive-control-network changes to openness and neuroticism,
    # not a mystical experience (MacLean 2011) or Erritzoe 2018's patients; the Feduccia summary
    # does not mention the PTSD fMRI study.
    "mech-shao2021-psilocybin-spines": {"shao2021"},
    "mech-maclean2011-openness": {"maclean2011"},
    "mech-erritzoe2018-personality": {"erritzoe2018"},
    "mech-mdma-ptsd-fmri-trend": {"singleton2023"},
    # mechanisms-neurochemistry: the seeds call psilocybin the active compound and say MDMA
    # releases monoamines; none names psilocin, its active metabolite, or says how MDMA releases
    # serotonin.
    "mech-psilocybin-prodrug-psilocin": {"madsen2019"},
    "mech-mdma-transporter-reversal": {"liechti2000"},
    # mechanisms-psychological: the Zhou review names mystical experiences but not the 2016 trials
    # in which they mediated the benefit.
    "mech-mystical-predicts-outcome": {"ross2016", "griffiths2016"},
    # terms: no seed uses entactogen, midomafetamine, esketamine, active placebo, waiting-list
    # control, functional unblinding, CAPS-5 or NDA, or says what they mean.
    "term-entactogen": {"dunlap2018"},
    "term-midomafetamine": {"fda-adcomm-2024", "lykos-2024"},
    "term-esketamine": {"fda-esketamine-2019"},
    "term-active-placebo": {"gasser2014", "bogenschutz2022"},
    "term-waiting-list-control": {"davis2021"},
    "term-functional-unblinding": {"fda-adcomm-2024"},
    "term-caps5": {"mitchell2021", "mitchell2023"},
    "term-nda": {"fda-adcomm-2024", "lykos-2024"},
}
"""Cards whose fact no seed document carries, with the papers (or, for a regulatory fact, the
decision) named as their source instead. Naming a seed that does not hold the fact would tell a
trainee to look for it where it is not."""

SEED_CARRIES_PART = {
    # The Consensus overview says research needs diversity and inclusion; the 82% figure is
    # Michaels 2018's.
    "safe-diversity-gap": {"michaels2018", "consensus_nd"},
    # The Feduccia summary names the MDMA co-therapist team; the two-monitor rule is Johnson
    # 2008's.
    "proc-dosing-logistics": {"johnson2008", "feduccia2018"},
    # The Consensus overview and the Feduccia summary give preparation's aims; that trust built
    # beforehand guards against overwhelming distress is Johnson 2008's.
    "proc-preparation-aims": {"consensus_nd", "feduccia2018", "johnson2008"},
    # The Zhou review credits The Lancet Psychiatry with a phase 3 trial and the Feduccia summary
    # gives 68% (each corrected on the card); Mithoefer 2018 and Mitchell 2021 carry the facts
    # taught.
    "ev-mithoefer2018-design": {"zhou2024", "mithoefer2018"},
    "ev-mapp1-remission": {"mitchell2021", "feduccia2018"},
    # The Feduccia summary says MDMA therapy is in phase 3 (corrected on the card); the complete
    # response letter carries what happened.
    "ev-mdma-crl-2024": {"feduccia2018", "fda-crl-2024"},
    # The Zhou review and the rehab blog say psychedelics are Schedule I; ketamine's Schedule III
    # and approval are the CSA's and the FDA's.
    "safe-schedule-i-barrier": {"zhou2024", "rehabblog_nd", "us-csa", "fda-ketamine-2023"},
    # The Zhou review describes the psilocybin session setting; one or two dosing sessions is
    # Davis 2021 (two) and Raison 2023 (one).
    "proc-psilocybin-dosing-sessions": {"zhou2024", "davis2021", "raison2023"},
    # The Feduccia summary gives the phase 2 results (corrected on the cards) and the Consensus
    # overview names autism; the figures and their status are the pooled papers', the retraction's
    # and Danforth 2018's.
    "ev-mdma-pooled-blinded-endpoint": {
        "feduccia2018",
        "mithoefer2019",
        "psychopharmacology-retractions-2024",
    },
    "ev-mdma-68-percent-origin": {
        "feduccia2018",
        "jerome2020",
        "psychopharmacology-retractions-2024",
    },
    "ev-danforth2018-autism": {"consensus_nd", "danforth2018"},
    # The Consensus overview gives g = 1.21 and the Zhou review 'rapid and sustained'; the 9
    # trials and the 4-week result are Luoma 2020's and Davis 2021's.
    "ev-luoma2020-effect-size": {"consensus_nd", "luoma2020"},
    "ev-davis2021-result": {"zhou2024", "davis2021"},
    # The seeds name the designations and Schedule I; the dates and ketamine's schedule are the
    # FDA letters' and the CSA's.
    "ev-btd-mdma-2017": {"feduccia2018", "consensus_nd", "fda-btd-mdma-2017"},
    "ev-btd-psilocybin-trd-2018": {"consensus_nd", "fda-btd-psilocybin"},
    "ev-us-schedules": {"zhou2024", "rehabblog_nd", "us-csa"},
    # The Zhou review claims synaptogenesis; that the evidence is preclinical is Ly 2018's and
    # Shao 2021's.
    "mech-plasticity-evidence-preclinical": {"zhou2024", "ly2018", "shao2021"},
    # The Feduccia summary calls extinction new learning; that the fear can return is tested in
    # Hake 2019.
    "mech-extinction-not-erasure": {"feduccia2018", "hake2019"},
    # Seeds name the term; the active metabolite, the meaning of Schedule I, the TRD threshold, the
    # openness finding and the fear's return are carried by the papers beside them.
    "term-psilocybin": {"zhou2024", "rehabblog_nd", "madsen2019"},
    "term-trd": {"consensus_nd", "zhou2024", "gaynes2020"},
    # The Zhou review spells out MDD; that TRD is the part of MDD where treatments failed is the
    # definition Gaynes 2020 reviews.
    "term-mdd": {"zhou2024", "gaynes2020"},
    "term-fear-extinction": {"feduccia2018", "hake2019"},
    "term-mystical-experience": {"zhou2024", "maclean2011"},
    # The Zhou review and the Consensus overview describe the safe, controlled setting and the
    # patient's expectations; what set and setting means is Hartogsohn 2017's.
    "term-set-and-setting": {"zhou2024", "consensus_nd", "hartogsohn2017"},
    "term-schedule-i": {"zhou2024", "rehabblog_nd", "us-csa"},
    # The Zhou review gives the wrong journal (corrected on the card); Mitchell 2021 and 2023
    # carry the right one.
    "ev-mapp1-journal": {"zhou2024", "mitchell2021", "mitchell2023"},
    # The Consensus overview and the Zhou review give the claims these cards correct (follow-up,
    # superiority, the conditions, TRD, the journals); the papers beside them carry the answers.
    "ev-luoma2020-followup-caveat": {"consensus_nd", "luoma2020"},
    "ev-luoma2020-vs-typical-effects": {"consensus_nd", "luoma2020", "carhartharris2021"},
    "ev-psilocybin-vs-escitalopram": {"consensus_nd", "carhartharris2021"},
    "ev-pat-supported-conditions-by-drug": {
        "consensus_nd",
        "mitchell2021",
        "goodwin2022",
        "gasser2014",
        "griffiths2016",
        "danforth2018",
    },
    "ev-davis2021-mdd-not-trd": {"zhou2024", "davis2021"},
    "ev-gasser2014-journal": {"zhou2024", "gasser2014"},
    "ev-grob2011-archives": {"zhou2024", "grob2011"},
    # The seeds give the claims corrected on these cards (designation as approval, approvals in
    # Canada and the US, 1950s-60s research outlawed); the decisions, laws and histories beside them
    # carry the answers.
    "ev-btd-not-approval": {"consensus_nd", "feduccia2018", "fda-btd-mdma-2017", "fda-crl-2024"},
    "ev-canada-no-approval": {"zhou2024", "canada-access"},
    "ev-us-no-fda-psychedelic": {"zhou2024", "us-state-psilocybin", "fda-crl-2024"},
    "ev-australia-dates": {"zhou2024", "tga2023"},
    "ev-history-prohibition": {"zhou2024", "oram2014", "oram2016", "us-csa"},
    # The rehab blog makes the claims these cards correct; the trials and the FDA's statements
    # carry the answers.
    "ev-psilocybin-single-session-claim": {"rehabblog_nd", "johnson2014", "bogenschutz2022"},
    "ev-ketamine-oud-aud-preliminary": {
        "rehabblog_nd",
        "krupitsky2002",
        "dakwar2020",
        "grabski2022",
        "fda-ketamine-2023",
        "fda-esketamine-2019",
    },
    "ev-innovative-therapy-claims": {
        "rehabblog_nd",
        "johnson2014",
        "bogenschutz2022",
        "krupitsky2002",
        "dakwar2020",
        "grabski2022",
    },
    # The Zhou review and the Feduccia summary state the findings these cards qualify; the papers
    # carry the compounds, the contested model and the healthy-volunteer data.
    "mech-ly2018-compounds": {"zhou2024", "ly2018"},
    "mech-dmn-depression-hypothesis": {"zhou2024", "yan2019"},
    "mech-mdma-amygdala-bloodflow": {"feduccia2018", "carhartharris2015"},
    "mech-mdma-amygdala-hippocampus": {"feduccia2018", "carhartharris2015"},
    "mech-mdma-insula": {"feduccia2018", "walpola2017"},
    # The Feduccia summary cites rodent work as support; Young 2015 and Hake 2019 carry the
    # mixed results.
    "mech-mdma-extinction-animal-mixed": {"feduccia2018", "young2015", "hake2019"},
    # The rehab blog calls MDMA safe in controlled settings; the trial and the advisory committee
    # carry the screened participants and the incomplete data.
    "safe-mdma-tolerability": {"rehabblog_nd", "mitchell2021", "fda-adcomm-2024"},
    # The seeds name MDMA, MAT and the FDA's refusal; the entactogen, naltrexone's action and the
    # letter's meaning are carried by the papers and the decision beside them.
    "term-mdma": {"zhou2024", "rehabblog_nd", "dunlap2018"},
    "term-mat": {"rehabblog_nd", "samhsa-tip63"},
    "term-complete-response-letter": {"feduccia2018", "fda-crl-2024"},
    # The Consensus overview names Hedges g and misreads g = 1.21; the definition (a standardised
    # mean difference between groups) is Luoma 2020's, the head-to-head result Carhart-Harris
    # 2021's. Nothing here carries a small-sample correction or a size threshold.
    "term-hedges-g": {"consensus_nd", "luoma2020", "carhartharris2021"},
    # The Consensus overview and the Feduccia summary name the designation; its criteria are the
    # statute's, and that it is not an approval the refusal of designated MDMA shows.
    "term-breakthrough-therapy": {
        "consensus_nd",
        "feduccia2018",
        "us-fdca-breakthrough",
        "fda-crl-2024",
    },
    # The Rieser summary names self-efficacy and social connectedness as routes to change in
    # addiction without defining them; the definitions are Bandura 1977's and Lee and Robbins
    # 1995's (a measure of belongingness).
    "term-self-efficacy": {"rieser2021", "bandura1977"},
    "term-social-connectedness": {"rieser2021", "lee-robbins1995"},
}
"""Cards whose seed carries only part of the fact (or only the claim the card corrects): the
source names, beside that seed, the paper that carries the rest."""


def test_every_card_names_a_seed_document_that_resolves(
    decks: list[ParsedDeck], bibliography: dict[str, BibEntry]
) -> None:
    for deck in decks:
        assert deck.model is not None
        for card in deck.model.cards:
            assert card.sources, card.id
            assert set(card.sources) <= set(bibliography), card.id
            assert set(card.cites) <= set(bibliography), card.id
            if card.id in NO_SEED_CARRIES:
                continue
            assert set(card.sources) & SEEDS, f"{card.id} names no seed document"


def test_a_card_no_seed_carries_names_the_papers_that_do(
    decks: list[ParsedDeck], bibliography: dict[str, BibEntry]
) -> None:
    sources = {c.id: set(c.sources) for d in decks if d.model for c in d.model.cards}
    for card_id, papers in NO_SEED_CARRIES.items():
        assert sources[card_id] == papers, card_id
        assert all(bibliography[p].kind in ("primary", "regulatory") for p in papers), card_id


def test_a_card_a_seed_carries_in_part_names_the_papers_that_carry_the_rest(
    decks: list[ParsedDeck],
) -> None:
    sources = {c.id: set(c.sources) for d in decks if d.model for c in d.model.cards}
    for card_id, named in SEED_CARRIES_PART.items():
        assert sources[card_id] == named, card_id
        assert named & SEEDS and named - SEEDS, card_id


CORRECTION_CARRIED_BY_SEED = {
    # The answer is the seed's own: the review's unrelated references (C1), the overview's missing
    # reference list (C16), the monoamines and the proposed plasticity (the correction is about
    # oxytocin, about the evidence).
    "safe-appraise-citations",
    "mech-ecn-personality-unverified",
    "mech-mdma-monoamine-release",
    "mech-ketamine-plasticity",
}


def test_a_card_correcting_a_seed_names_what_carries_the_correction(
    decks: list[ParsedDeck],
) -> None:
    """docs/decks.md: a seed that carries only the claim a card corrects is named beside the paper
    that carries the corrected fact. A live card with a correction whose source names seeds only
    must be one whose answer the seed itself carries."""
    seed_only = {
        card.id
        for deck in decks
        if deck.model is not None
        for card in deck.model.cards
        if not card.retired and card.correction and set(card.sources) <= SEEDS
    }
    assert seed_only == CORRECTION_CARRIED_BY_SEED


def test_evidence_cards_cite_a_study_and_say_when_checked(
    decks: list[ParsedDeck], bibliography: dict[str, BibEntry]
) -> None:
    evidence = [
        c for d in decks if d.model and d.model.deck.family == "evidence" for c in d.model.cards
    ]
    assert len(evidence) >= 40
    for card in evidence:
        assert card.cites, f"{card.id} cites no primary study"
        assert all(bibliography[c].kind in ("primary", "regulatory") for c in card.cites), card.id
        assert card.as_of is not None and 2020 <= card.as_of <= 2030, card.id


def test_card_ids_are_unique_and_read_well(decks: list[ParsedDeck]) -> None:
    ids = Counter(c.id for d in decks if d.model for c in d.model.cards)
    assert [i for i, n in ids.items() if n > 1] == []
    prefixes = {"mech", "ev", "term", "proc", "safe"}
    assert all(i.split("-")[0] in prefixes for i in ids), [
        i for i in ids if i.split("-")[0] not in prefixes
    ]


def test_each_family_has_cards_and_the_course_is_big_enough(decks: list[ParsedDeck]) -> None:
    per_family = Counter(d.model.deck.family for d in decks if d.model for _ in d.model.cards)
    for family in ("mechanisms", "evidence", "terms"):
        assert per_family[family] >= 30, per_family
    assert sum(per_family.values()) >= 150


def test_no_card_repeats_a_known_error_of_the_sources(decks: list[ParsedDeck]) -> None:
    """Spot checks of section 3 of the source notes: wrong journals, retracted figures."""
    for deck in decks:
        assert deck.model is not None
        for card in deck.model.cards:
            text = " ".join(
                str(getattr(card, f, "") or "") for f in ("front", "back", "text", "extra")
            )
            lowered = text.lower()
            if "mapp1" in lowered or "mitchell" in lowered:
                assert "lancet" not in lowered or "mithoefer" in lowered, card.id
            if "nature medicine" in lowered:  # C5: the journal is the phase 3 papers' fact
                assert {"mitchell2021", "mitchell2023"} <= set(card.cites), card.id
            if "68%" in text:
                assert "retract" in (lowered + (card.correction or "").lower()), card.id
            if "gasser" in lowered:
                assert "archives of general psychiatry" not in lowered, card.id
            # C20: the Rieser course summary (the seed rieser2021) leaves out mystical experience
            # and reward processing, so a live card teaching them cannot name it as its seed.
            if not card.retired and ("mystical" in lowered or "reward processing" in lowered):
                assert "rieser2021" not in card.sources, card.id


def _live_card_texts(decks: list[ParsedDeck]) -> list[tuple[str, str]]:
    """(id, front/back/text/extra joined) of every live card; the correction field, which states
    a seed's error on purpose, is left out."""
    return [
        (
            card.id,
            " ".join(str(getattr(card, f, "") or "") for f in ("front", "back", "text", "extra")),
        )
        for deck in decks
        if deck.model is not None
        for card in deck.model.cards
        if not card.retired
    ]


def test_no_card_lists_naltrexone_as_easing_withdrawal(decks: list[ParsedDeck]) -> None:
    """The rehab blog (rehabblog_nd) lists methadone, buprenorphine and naltrexone together as
    managing withdrawal and craving. Naltrexone blocks opioids and curbs craving; it does not ease
    withdrawal and brings it on if opioids are still in the body, so it starts only once withdrawal
    is over. A clause naming naltrexone and withdrawal must say so (not, once, after, brings)."""
    for card_id, text in _live_card_texts(decks):
        for clause in re.split(r"[.;:()]", text.lower()):
            if "naltrexone" in clause and "withdrawal" in clause:
                assert re.search(r"\b(not|once|after|brings)\b", clause), (card_id, clause)


def test_a_card_on_naltrexone_cites_the_guidance_that_carries_it(decks: list[ParsedDeck]) -> None:
    """The only seed that names naltrexone (the rehab blog) gets it wrong, and the source notes
    repeat the blog; what these cards teach about it comes from SAMHSA's TIP 63, so they cite it."""
    for card_id, lowered, cites in _shown_texts(decks):
        if "naltrexone" in lowered:
            assert "samhsa-tip63" in cites, card_id


def test_the_sud_definition_gives_its_signs_as_examples(decks: list[ParsedDeck]) -> None:
    """A substance use disorder is diagnosed from a set of criteria of which craving and loss of
    control are examples; a definition that ends 'with loss of control and craving' reads as if
    both were required."""
    definitions = [
        (card_id, text.lower())
        for card_id, text in _live_card_texts(decks)
        if "substance use disorder:" in text.lower()
    ]
    assert definitions
    for card_id, lowered in definitions:
        if "craving" in lowered:
            assert "such as" in lowered and "no single sign is required" in lowered, card_id


def _shown_texts(decks: list[ParsedDeck]) -> list[tuple[str, str, set[str]]]:
    """(id, every text a trainee is shown, lowered, cited ids) of every live card: front, back,
    text, extra, the correction shown after the answer and the picture's alt text."""
    shown: list[tuple[str, str, set[str]]] = []
    for deck in decks:
        assert deck.model is not None
        for card in deck.model.cards:
            if card.retired:
                continue
            fields = ("front", "back", "text", "extra", "correction")
            texts = [str(getattr(card, f, "") or "") for f in fields]
            if card.image is not None:
                texts.append(card.image.alt)
            shown.append((card.id, " ".join(texts).lower(), set(card.cites)))
    return shown


def test_psilocin_as_the_active_metabolite_cites_the_study_that_says_so(
    decks: list[ParsedDeck],
) -> None:
    """No seed names psilocin (the Zhou review and the rehab blog call psilocybin the active
    compound); Madsen 2019's abstract calls psilocin psilocybin's active metabolite, thought to act
    through 5-HT2A receptors. A card teaching it cites that study. Nothing read here calls
    psilocybin a prodrug (Grob 2011's abstract, once credited with it, does not mention psilocin),
    so no card does."""
    taught = 0
    for card_id, lowered, cites in _shown_texts(decks):
        assert "prodrug" not in lowered, card_id
        if "psilocin" in lowered and re.search(r"metabolite|becomes|convert|turns", lowered):
            assert "madsen2019" in cites, card_id
            taught += 1
    assert taught >= 3  # term-psilocybin, the psilocin card, the 5-HT2A diagram's alt text


def test_mdma_as_an_entactogen_cites_a_review_that_says_so(decks: list[ParsedDeck]) -> None:
    """Source notes C13 correct the Zhou review's 'synthetic psychedelic' to an entactogen and
    amphetamine derivative, naming no paper, and no seed uses either word: a card saying so cites
    the Dunlap 2018 review of MDMA's pharmacology."""
    for card_id, lowered, cites in _shown_texts(decks):
        if re.search(r"entactogen|empathogen|amphetamine", lowered):
            assert "dunlap2018" in cites, card_id


SESSION_COUNT = re.compile(
    r"\b(three|3|nine|9)\b[\w\s-]{0,40}?\b(preparat\w*|integration|dosing)\b[\w\s-]{0,12}?\bsessions"
)
"""'three drug-free preparation sessions', 'nine integration sessions': a count of MDMA sessions
written out, as the therapy-arc diagram's alt text does without naming the protocol."""


def test_session_counts_cite_the_trials_they_come_from(decks: list[ParsedDeck]) -> None:
    """The seeds give no session counts that the cards teach: the Feduccia summary names
    preparatory sessions without a number, and the Zhou review says psilocybin therapy 'involves
    multiple sessions'. The phase 3 MDMA protocol's counts come from its trials (Mitchell 2021,
    2023), psilocybin's one or two dosing sessions from Davis 2021 (two) and Raison 2023 (one).
    Round 21: the counts in a picture's alt text are taught too."""
    for card_id, lowered, cites in _shown_texts(decks):
        if "phase 3 protocol" in lowered or ("mdma" in lowered and SESSION_COUNT.search(lowered)):
            assert {"mitchell2021", "mitchell2023"} & cites, card_id
        if "psilocybin" in lowered and "one or two" in lowered:
            assert {"davis2021", "raison2023"} <= cites, card_id


def test_mdma_release_through_the_transporter_cites_the_study_that_shows_it(
    decks: list[ParsedDeck],
) -> None:
    """No seed says how MDMA releases serotonin; Liechti 2000 does (blocking the serotonin
    transporter with citalopram took away most of its effects: release through the carrier).
    A card that teaches MDMA's action at the transporter cites it."""
    for card_id, lowered, cites in _shown_texts(decks):
        if "mdma" in lowered and re.search(r"serotonin transporter|\bsert\b", lowered):
            assert "liechti2000" in cites, card_id


STANDARD_DEFINITIONS_CITED = {
    # A diagnosis, a design or a class whose standard definition no seed carries (the seeds name
    # it or use it): each cites the entry that does.
    "term-ptsd": {"young2015"},  # "recurrent and intrusive memories for a traumatic experience"
    "term-sud": {"samhsa-tip63"},  # the diagnostic criteria, set out for opioids
    "term-oud": {"samhsa-tip63"},
    "term-rct": {"mitchell2021", "davis2021"},  # randomised to placebo; to a waiting list
    "term-dmn": {"carhartharris2012", "carhartharris2016", "yan2019"},
    "term-classic-psychedelic": {"carhartharris2012", "ly2018"},  # "a classic psychedelic"; DMT
}


def test_a_standard_definition_no_seed_carries_cites_what_does(decks: list[ParsedDeck]) -> None:
    cites = {card_id: c for card_id, _lowered, c in _shown_texts(decks)}
    assert {i: cites[i] & papers for i, papers in STANDARD_DEFINITIONS_CITED.items()} == (
        STANDARD_DEFINITIONS_CITED
    )


def test_definitions_say_no_more_than_their_cited_sources_carry(decks: list[ParsedDeck]) -> None:
    """Clauses that none of the card's documents carried: the DSM's fourth symptom group of PTSD,
    the DMN as most active at rest, TRD's failures 'in the current episode' (Gaynes 2020's abstract
    gives two failures at adequate dose and duration, no episode), a mystical experience's 'sense
    of unity' (MacLean 2011: personally and spiritually significant), MDD's symptom list (no
    document here lists them) and, for Hedges g, a small-sample correction and 0.8 as 'large'
    (Luoma 2020's abstract gives only a standardised mean difference between groups)."""
    for card_id, lowered, _cites in _shown_texts(decks):
        assert "negative changes in mood and thinking" not in lowered, card_id
        assert "most active at rest" not in lowered, card_id
        assert "current episode" not in lowered, card_id
        assert "sense of unity" not in lowered, card_id
        assert "persistent low mood" not in lowered, card_id
        if card_id == "term-hedges-g":
            assert "standardised mean difference" in lowered, card_id
            assert not re.search(r"small samples|counts as large", lowered), card_id


def test_esketamine_is_not_called_an_enantiomer_without_a_document_that_says_so(
    decks: list[ParsedDeck],
) -> None:
    """term-esketamine called esketamine 'the S-enantiomer of ketamine'; no seed, no source note
    and no document read here says so (the notes, C18, give only its approval as a nasal spray
    for TRD in March 2019), so no card does until one is read and cited."""
    for card_id, lowered, _cites in _shown_texts(decks):
        assert "enantiomer" not in lowered, card_id


def test_mapp2_figures_are_the_ones_its_abstract_carries(decks: list[ParsedDeck]) -> None:
    """ev-mapp2-remission taught 71.2% vs 47.6% no longer meeting PTSD criteria and 46.2% vs 21.4%
    in remission among completers. The abstract of Mitchell 2023 gives none of these, and the
    results section of the paper could not be read here, so the card now teaches the abstract's
    CAPS-5 least-squares mean change (23.7 vs 14.8 points) and no card gives the percentages."""
    shown = {card_id: lowered for card_id, lowered, _cites in _shown_texts(decks)}
    for card_id, lowered in shown.items():
        for figure in ("71.2", "47.6", "46.2%", "21.4%"):
            assert figure not in lowered, (card_id, figure)
    assert "23.7" in shown["ev-mapp2-remission"] and "14.8" in shown["ev-mapp2-remission"]


def test_sandoz_withdrawal_is_dated_as_oram_2016_dates_it(decks: list[ParsedDeck]) -> None:
    """ev-history-prohibition had Sandoz withdraw LSD '1965-66'; Oram 2016, the text read here,
    dates the withdrawal of its sponsorship to April 1966, and Oram 2014's abstract gives no date
    for it. No card dates it to 1965."""
    for card_id, lowered, _cites in _shown_texts(decks):
        if "sandoz" in lowered:
            assert "1965-66" not in lowered and "1966" in lowered, card_id


def test_the_1960s_decline_names_only_what_its_documents_carry(decks: list[ParsedDeck]) -> None:
    """ev-history-prohibition also named 'the first US federal controls (1965, 1968)': no
    document in the bibliography carries them (Oram 2014's abstract gives the 1962 amendments,
    Oram 2016 Sandoz's 1966 withdrawal, the CSA 1970), so no card dates them until one is read
    and cited."""
    for card_id, lowered, _cites in _shown_texts(decks):
        assert "federal controls" not in lowered, card_id
        assert not re.search(r"\b1965\b", lowered), card_id


def test_the_trial_designs_diagram_gives_each_phase_its_purpose_and_size(
    decks: list[ParsedDeck],
) -> None:
    """Phase 2 tests efficacy and finds the dose in a smaller sample; phase 3 is larger and
    confirms efficacy and safety for approval. The panel once had phase 2 'explore dose, safety
    and a first signal' with 'tens to a few hundred' people, and its description called phase 2
    'small' and said only that phase 3 'confirms'."""
    svg = (bundled_decks_dir() / "images" / "trial-designs.svg").read_text(encoding="utf-8")
    drawn = " ".join(re.findall(r">([^<>]+)</(?:text|desc)>", svg)).lower()
    alts = [
        card.image.alt.lower()
        for deck in decks
        if deck.model
        for card in deck.model.cards
        if card.image is not None and card.image.file.endswith("trial-designs.svg")
    ]
    assert alts
    phase2 = r"tests? efficacy and\s+finds? the dose,? in a\s+smaller sample"
    for text in [drawn, *alts]:
        assert re.search(phase2, text), text
        assert re.search(r"larger.*confirm efficacy and\s+safety\s+for approval", text), text
        assert "first signal" not in text and "tens to a few hundred" not in text, text


def test_no_card_grades_an_effect_size_by_a_convention_without_a_source(
    decks: list[ParsedDeck],
) -> None:
    """'About 0.8 or more counts as large' is background the source notes add with no paper
    (section 2.3, ctx), and no seed or text read here carries it. Round 20: cards compare an
    effect with what their papers compare it with (Luoma 2020: larger than typical drug or
    psychotherapy trials; Mitchell 2021: larger than sertraline's and paroxetine's). Newport
    2015's abstract gives odds ratios at 24 hours and calls the effect rapid and transient, not
    large."""
    for card_id, lowered, cites in _shown_texts(decks):
        assert not re.search(
            r"0\.8 or more|conventionally called large|counts as large", lowered
        ), card_id
        if "newport2015" in cites and "meta-analysis" in lowered:
            assert "large" not in lowered and "transient" in lowered, card_id


def test_no_card_teaches_what_only_unread_session_guidance_carries(
    decks: list[ParsedDeck],
) -> None:
    """Johnson 2008's advice for a terrified patient and for touch is in its full text, which
    nobody here has read (its abstract is read: the likeliest risk, the safeguards, two monitors);
    no seed or the source notes carry it. No document here states a rule against driving after an
    MDMA or psilocybin session: a card on driving teaches the FDA's rule for esketamine. Nor does
    any document here say trust lets a patient 'let go into' the experience: the abstract carries
    trust as a safeguard against overwhelming distress."""
    for card_id, lowered, cites in _shown_texts(decks):
        assert not re.search(r"will pass|last resort|no sexual contact|let go", lowered), card_id
        if re.search(r"\bdriv(e|es|ing)\b", lowered):
            assert "spravato-rems" in cites and "esketamine" in lowered, card_id


def test_no_card_teaches_how_mdma_raises_oxytocin(decks: list[ParsedDeck]) -> None:
    """Source notes C13 call MDMA's oxytocin rise 'a downstream hormonal effect, not direct
    release' with no paper behind it, and no seed or bibliography entry shows how MDMA raises
    oxytocin: Dumont 2009 shows the rise. A card may say that it rises, not by which route."""
    for card_id, lowered, cites in _shown_texts(decks):
        assert not re.search(r"downstream|direct(ly)? release", lowered), card_id
        if "oxytocin" in lowered and "mdma" in lowered and re.search(r"\brises?\b", lowered):
            assert "dumont2009" in cites, card_id


def test_extinction_is_taught_as_leaving_a_memory_the_fear_can_return_from(
    decks: list[ParsedDeck],
) -> None:
    """Extinction is new learning that holds the fear back; the original memory stays, so the fear
    can return (relapse). A card saying extinction does not erase the memory says the fear can come
    back, and cites Hake 2019, whose rats were tested for that relapse after extinction."""
    teaching = [
        (card_id, lowered, cites)
        for card_id, lowered, cites in _shown_texts(decks)
        if "extinction" in lowered and re.search(r"\beras(e|ed|ing)\b", lowered)
    ]
    assert {"mech-extinction-not-erasure", "term-fear-extinction"} <= {t[0] for t in teaching}
    for card_id, lowered, cites in teaching:
        assert "fear can return" in lowered, card_id
        assert "hake2019" in cites, card_id


def test_the_mdma_alcohol_study_is_sized_as_its_report_says(decks: list[ParsedDeck]) -> None:
    """Sessa 2019 reports the first four participants of an ongoing open-label study, seven having
    completed it; the 14 of the finished study (published later) is not in the cited report."""
    for card_id, lowered, cites in _shown_texts(decks):
        if "sessa2019" in cites:
            assert "four" in lowered and not re.search(r"\b14\b", lowered), card_id


def test_safety_cards_claim_no_more_than_their_readable_sources(decks: list[ParsedDeck]) -> None:
    """Round 16 read what each of these cites. Johnson 2008's abstract (its screening section
    could not be read) excludes a 'personal or family history of psychotic disorders or other
    severe psychiatric disorders': no degree of relative, no mania. Pilgrim 2012's four fatal
    cases are moclobemide's, with overheating, sweating, twitching and shaking: no phenelzine,
    no racing heart, and no ranking of antidepressant classes. The FDA's Spravato REMS names
    respiratory depression beside sedation, dissociation and misuse, and the rehab blog says
    ketamine's misuse risk needs careful selection and monitoring, not that a substance use
    history raises it. Round 19: the medication washout is MAPP1's (Mitchell 2021's abstract)."""
    for card_id, lowered, cites in _shown_texts(decks):
        if "johnson2008" in cites:
            assert not re.search(r"first[- ]degree|second[- ]degree|\bmania\b", lowered), card_id
        if "pilgrim2012" in cites:
            assert "phenelzine" not in lowered and "racing heart" not in lowered, card_id
            assert "most dangerous" not in lowered, card_id  # four cases compare no classes
        if "spravato-rems" in cites and "(rems)" in lowered:  # the programme and its reasons
            assert "respiratory depression" in lowered, card_id
        assert "raises the risk of misuse" not in lowered, card_id
        # Mitchell 2021 (MAPP1) states its psychiatric medication washout; Mitchell 2023's abstract
        # states none, and neither says 'all'.
        assert "all psychiatric medication" not in lowered, card_id
        if "mdma" in lowered and "washout" in lowered:
            assert "mitchell2021" in cites, card_id
        # No document here says agreeing on touch in preparation is a safeguard.
        assert "agreeing on touch" not in lowered, card_id
        # Round 20 re-read Goodwin 2022's abstract: 233 patients (79, 75, 79); suicidal ideation
        # or behaviour or self-injury in all dose groups. It says nothing of TRD's baseline risk or
        # of patients whose depression does not lift.
        if "goodwin2022" in cites and "suicid" in lowered:
            assert "233" in lowered, card_id
            assert not re.search(r"baseline risk|does not lift", lowered), card_id


def test_the_spravato_rems_entry_links_the_page_its_cards_read(
    decks: list[ParsedDeck], bibliography: dict[str, BibEntry]
) -> None:
    """The esketamine cards give the REMS's reasons as sedation, dissociation, respiratory
    depression and misuse, the watch until the first three resolve and the pulse oximeter on
    site: the FDA's record of the approved REMS says all of that, while spravatorems.com, the
    entry's link, names sedation, dissociation and misuse only."""
    assert any("spravato-rems" in cites for _id, _text, cites in _shown_texts(decks))
    entry = bibliography["spravato-rems"]
    assert entry.url is not None
    assert entry.url.startswith("https://www.accessdata.fda.gov/scripts/cder/rems/"), entry.url
    assert entry.url.endswith("REMS=386"), entry.url  # Spravato (esketamine), NDA 211243


KETAMINE_SUD_TRIALS = {"krupitsky2002", "dakwar2020", "grabski2022"}


def test_ketamine_approval_and_addiction_statements_cite_what_carries_them(
    decks: list[ParsedDeck],
) -> None:
    """Source notes C18. The esketamine approval of 2019 says nothing of racemic ketamine or of
    addiction, so a card that calls ketamine an approved anaesthetic or its psychiatric use
    off-label cites the FDA's 2023 statement that says so, and one that calls the addiction
    evidence preliminary cites the small trials it rests on. The correction field counts: it is
    shown after the answer."""
    for card_id, lowered, cites in _shown_texts(decks):
        if "ketamine" not in lowered:
            continue
        if re.search(r"only as an anaesthetic|approved anaesthetic|off-label", lowered):
            assert "fda-ketamine-2023" in cites, card_id
        if "preliminary" in lowered:
            assert KETAMINE_SUD_TRIALS & cites, card_id


def test_the_mdma_application_is_filed_by_maps_pbc_not_lykos(decks: list[ParsedDeck]) -> None:
    """Source notes C11: the MAPS Public Benefit Corporation filed the midomafetamine NDA in
    December 2023 and was renamed Lykos Therapeutics only in January 2024, so a card saying who
    filed it names MAPS, not Lykos alone."""
    for card_id, text in _live_card_texts(decks):
        lowered = text.lower()
        if "lykos" in lowered and re.search(r"\bfil(ed|ing|es)\b", lowered):
            assert "maps" in lowered, card_id


# --- docs/decks.md must not rot ----------------------------------------------------------------


def _doc_tables(heading: str) -> list[list[list[str]]]:
    """The body rows of every table in the section under ``heading``, up to the next heading of
    the same or a higher level. Header and separator rows are dropped; cells are stripped."""
    level = heading.split(" ", 1)[0]
    lines = DECKS_DOC.read_text(encoding="utf-8").splitlines()
    assert heading in lines, f"{DECKS_DOC.name} has no heading {heading!r}"
    tables: list[list[list[str]]] = []
    current: list[list[str]] = []
    for line in lines[lines.index(heading) + 1 :]:
        marker = line.split(" ", 1)[0]
        if marker.startswith("#") and set(marker) == {"#"} and len(marker) <= len(level):
            break
        if line.startswith("|"):
            current.append([cell.strip() for cell in line.strip().strip("|").split("|")])
        elif current:
            tables.append(current[2:])
            current = []
    if current:
        tables.append(current[2:])
    assert tables, f"no table under {heading!r} in {DECKS_DOC.name}"
    return tables


def _plain(cell: str) -> str:
    return cell.strip("`*")


def test_decks_doc_names_only_cards_that_exist(decks: list[ParsedDeck]) -> None:
    ids = {c.id for d in decks if d.model for c in d.model.cards}
    mentioned = set(CARD_ID_IN_DOC.findall(DECKS_DOC.read_text(encoding="utf-8")))
    assert len(mentioned) >= 100, "docs/decks.md should map the source notes to card ids"
    assert sorted(mentioned - ids) == [], "docs/decks.md names cards that no deck has"


def test_decks_doc_counts_match_the_decks(decks: list[ParsedDeck]) -> None:
    active = {
        d.model.deck.id: (d.model.deck.family, sum(1 for c in d.model.cards if not c.retired))
        for d in decks
        if d.model
    }
    per_family: Counter[str] = Counter()
    for family, count in active.values():
        per_family[family] += count

    (deck_rows,) = _doc_tables("## Decks")
    documented_decks = {_plain(row[1]): (row[3], int(row[4])) for row in deck_rows}
    assert documented_decks == active

    (family_rows,) = _doc_tables("## Cards per family")
    documented = {_plain(row[0]): int(_plain(row[1])) for row in family_rows}
    assert documented.pop("total") == sum(per_family.values())
    assert documented == dict(per_family)


def test_every_fact_and_correction_in_the_doc_names_a_card() -> None:
    rows = [row for table in _doc_tables("## Coverage of the source notes") for row in table]
    facts = [row for row in rows if re.fullmatch(r"[METPS]\d+", row[0])]
    assert len(facts) >= 60, "the coverage tables should have one row per fact group"
    assert [row[0] for row in facts if not CARD_ID_IN_DOC.search(row[-1])] == []

    (corrections,) = _doc_tables("## Corrections")
    ids = [row[0] for row in corrections]
    assert ids == [f"C{n}" for n in range(1, len(ids) + 1)] and len(ids) >= 20
    assert [row[0] for row in corrections if not CARD_ID_IN_DOC.search(row[-1])] == []


SENSITIVE = {
    # /work/team/deck-marks.md (helper "decks"): emotionally heavy material
    "safe-boundary-violations",
    "proc-touch-consent-preparation",
    "safe-followup-after-dosing",
    "safe-maoi-mdma-serotonin-toxicity",
    "ev-griffiths2016-cancer",
    "ev-ross2016-cancer",
    "mech-mystical-predicts-outcome",
    "ev-gasser2014-result",
    "mech-catharsis",
    "mech-process-negative-emotions",
    "mech-mdma-lowers-avoidance",
    "mech-ptsd-revisit-without-overwhelm",
    "proc-difficult-session",
    "ev-retractions-2024",
}


def test_the_heavy_cards_are_marked_sensitive_each_with_its_content_note(
    decks: list[ParsedDeck],
) -> None:
    marked = {
        card.id: card.content_note
        for deck in decks
        if deck.model is not None
        for card in deck.model.cards
        if card.sensitive
    }
    assert set(marked) == SENSITIVE
    assert all(note and len(note) <= 60 for note in marked.values())


DECK_MODULES = {
    "terms": 1,
    "mechanisms-neurochemistry": 2,
    "mechanisms-brain": 2,
    "mechanisms-psychological": 2,
    "evidence-mdma": 3,
    "evidence-psilocybin-lsd": 3,
    "evidence-sud-ketamine": 3,
    "evidence-regulatory": 4,
    "process-therapy": 5,
    "safety-risks": 6,
}
"""The course order of /work/team/deck-marks.md: terms, mechanisms, evidence, regulation,
process, safety."""
CARD_MODULES = {
    "term-set-and-setting": 5,
    "term-hppd": 6,
    "safe-functional-unblinding": 3,
    "safe-evidence-weaknesses": 3,
    "safe-evidence-next-steps": 3,
    "safe-appraise-citations": 3,
    "safe-diversity-gap": 3,
    "proc-touch-consent-preparation": 6,
}
"""Cards taught in another module than their deck's."""


def test_every_bundled_deck_names_its_module_in_course_order(decks: list[ParsedDeck]) -> None:
    assert {d.header.id: d.header.module for d in decks if d.header} == DECK_MODULES
    overrides = {
        card.id: card.module for d in decks for _i, card in d.entries if card.module is not None
    }
    assert overrides == CARD_MODULES
