#!/usr/bin/env python3
"""Write a deterministic synthetic bilingual (fr/en) Vigie site for benchmarks.

    python3 bench/make_corpus.py OUT_DIR --articles N --facts M [--seed S]

OUT_DIR receives:

* ``site.yaml``: title fr/en, base_url, languages [fr, en], locales, default_language fr;
* ``content/fr/articles/*.md`` and ``content/en/articles/*.md``: N articles per
  language with the same file names (so each pair is a translation), front
  matter ``title``, ``date`` (2019–2024), ``summary``, ``tags`` (small pool),
  localised ``slug``; bodies of about 600 words with h2/h3 headings, bullet and
  numbered lists, a table, emphasis, relative ``.md`` links to other articles and
  one or two figure embeds on lines of their own (``{{< fact fact-007 >}}``);
* ``content/facts/fact-NNN.yaml``: M key figures (formats number, percent,
  compact and year in turn, a qualifier on some, label fr/en, source with
  publisher, url and date);
* ``content/<lang>/resources/bench-sheet.md``: one resource per language made
  into an A4 fact sheet (``factsheet: true``) that features ``fact-001``, so that
  a figure edit can be timed with and without a PDF to make again (when M ≥ 2).

The same arguments always give byte-identical files: every article draws from
its own ``random.Random`` seeded with (seed, index), and only the link targets
depend on N. Nothing outside OUT_DIR is touched; an existing OUT_DIR/content is
replaced.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import unicodedata
import re
from datetime import date, timedelta
from pathlib import Path

LANGS = ("fr", "en")

# Parallel vocabularies: index i of one list translates index i of the other, so a
# generated sentence has a (rough) translation built from the same random draws.
NOUNS = {  # French nouns carry their article (gender), English ones take "the".
    "fr": ["l'enfant", "le parent", "l'école", "la plateforme", "le signalement", "l'enquête", "la victime",
           "l'image", "le message", "le réseau", "le service", "l'adolescent", "la famille", "la police",
           "l'association", "le téléphone", "le compte", "le jeu", "la vidéo", "la conversation", "la règle",
           "la loi", "l'outil", "le chiffre", "le rapport", "le professeur", "le médecin", "le juge",
           "la ligne d'écoute", "l'application", "la photo", "l'ami", "le risque", "la confiance",
           "la sécurité", "la prévention", "la formation", "la question", "la réponse", "l'aide"],
    "en": ["child", "parent", "school", "platform", "report", "investigation", "victim", "image",
           "message", "network", "service", "teenager", "family", "police", "charity", "phone",
           "account", "game", "video", "conversation", "rule", "law", "tool", "figure", "study",
           "teacher", "doctor", "judge", "helpline", "app", "photo", "friend", "risk",
           "trust", "safety", "prevention", "training", "question", "answer", "help"],
}
VERBS = {
    "fr": ["protège", "signale", "explique", "montre", "aide", "accompagne", "observe", "mesure",
           "rappelle", "décrit", "change", "renforce", "limite", "bloque", "écoute", "prévient",
           "partage", "vérifie", "soutient", "oriente"],
    "en": ["protects", "reports", "explains", "shows", "helps", "supports", "observes", "measures",
           "recalls", "describes", "changes", "strengthens", "limits", "blocks", "listens to", "prevents",
           "shares", "checks", "backs", "guides"],
}
ADJS = {  # adjectives spelt the same in the masculine and the feminine
    "fr": ["utile", "rapide", "fragile", "simple", "fiable", "efficace", "sensible", "libre",
           "visible", "responsable", "moderne", "jeune", "calme", "rare", "pratique", "unique"],
    "en": ["useful", "fast", "fragile", "simple", "reliable", "effective", "sensitive", "free",
           "visible", "responsible", "modern", "young", "calm", "rare", "practical", "unique"],
}
LINKERS = {
    "fr": ["Selon les chiffres,", "Dans la plupart des cas,", "Pour les familles,", "En pratique,",
           "Chaque année,", "Depuis 2019,", "À l'école,", "En ligne,", "Pour autant,", "Surtout,"],
    "en": ["According to the figures,", "In most cases,", "For families,", "In practice,",
           "Every year,", "Since 2019,", "At school,", "Online,", "Even so,", "Above all,"],
}
TITLE_HEADS = {
    "fr": ["Comprendre", "Repérer", "Prévenir", "Signaler", "Expliquer", "Accompagner", "Protéger",
           "Mesurer"],
    "en": ["Understanding", "Spotting", "Preventing", "Reporting", "Explaining", "Supporting",
           "Protecting", "Measuring"],
}
HEADINGS = {
    "fr": ["Ce que disent les chiffres", "Ce que chacun peut faire", "Les signes à repérer",
           "Le rôle des plateformes", "Parler avec les enfants", "Où trouver de l'aide",
           "Comment lire ces données", "Ce que prévoit la loi", "À l'école", "En famille"],
    "en": ["What the figures say", "What everyone can do", "Signs to look for",
           "The platforms' role", "Talking with children", "Where to find help",
           "How to read these data", "What the law says", "At school", "At home"],
}
TAGS = {
    "fr": ["prévention", "parents", "écoles", "signalement", "chiffres", "plateformes", "justice",
           "témoignages"],
    "en": ["prevention", "parents", "schools", "reporting", "figures", "platforms", "justice",
           "testimonies"],
}
TABLE_HEAD = {"fr": ("Année", "Signalements", "Évolution"), "en": ("Year", "Reports", "Change")}
PUBLISHERS = ["INTERPOL", "NCMEC", "Internet Watch Foundation", "INHOPE", "Europol", "UNICEF",
              "WeProtect Global Alliance", "Childlight"]
FORMATS = ("number", "percent", "compact", "year")
QUALIFIERS = ("more_than", "about", "less_than", "up_to")
LABEL_NOUNS = {
    "fr": ["enfants", "signalements", "comptes", "messages", "appels", "contenus", "dossiers", "sites"],
    "en": ["children", "reports", "accounts", "messages", "calls", "items of content", "cases", "websites"],
}
LABEL_TAIL = {
    "fr": ["signalés en une année", "identifiés par les enquêteurs", "concernés selon l'étude",
           "traités par les lignes d'écoute", "retirés des plateformes", "recensés dans le rapport"],
    "en": ["reported in one year", "identified by investigators", "affected according to the study",
           "handled by helplines", "removed from platforms", "counted in the report"],
}

FIRST_DAY = date(2019, 1, 1)
DAYS = (date(2024, 12, 31) - FIRST_DAY).days


def slugify(text: str) -> str:
    """Lowercase a-z, 0-9 and single hyphens ("Été 2022" → "ete-2022")."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "x"


def yaml_str(text: str) -> str:
    """A double-quoted YAML scalar."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def file_name(i: int) -> str:
    """The file name of article i (shared by both languages)."""
    words = NOUNS["en"]
    return f"a{i:05d}-{slugify(words[i % len(words)])}-{slugify(words[(i * 7 + 3) % len(words)])}.md"


class Writer:
    """Draws random choices once and spells them in both languages."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def pick(self, table: dict[str, list[str]]) -> dict[str, str]:
        k = self.rng.randrange(len(table["fr"]))
        return {lang: table[lang][k] for lang in LANGS}

    def sentence(self, n_words: int | None = None) -> dict[str, str]:
        """One sentence of about 8–18 words, the same draws in fr and en."""
        parts: dict[str, list[str]] = {lang: [] for lang in LANGS}
        target = n_words or self.rng.randint(8, 18)
        count = 0
        if self.rng.random() < 0.3:
            w = self.pick(LINKERS)
            for lang in LANGS:
                parts[lang].append(w[lang])
            count += 3
        while count < target:
            noun, verb, adj, obj = self.pick(NOUNS), self.pick(VERBS), self.pick(ADJS), self.pick(NOUNS)
            style = self.rng.random()
            for lang in LANGS:
                a = adj[lang]
                if style < 0.08:
                    a = f"*{a}*"
                elif style < 0.12:
                    a = f"**{a}**"
                if lang == "fr":
                    clause = f"{noun[lang]} {a} {verb[lang]} {obj[lang]}"
                else:
                    clause = f"the {a} {noun[lang]} {verb[lang]} the {obj[lang]}"
                if parts[lang] and not parts[lang][-1].endswith(","):
                    parts[lang].append("et" if lang == "fr" else "and")
                parts[lang].append(clause)
            count += 6
        out = {}
        for lang in LANGS:
            text = " ".join(parts[lang])
            out[lang] = text[:1].upper() + text[1:] + "."
        return out

    def paragraph(self, sentences: int, link: str | None = None) -> dict[str, str]:
        items = [self.sentence() for _ in range(sentences)]
        out = {lang: " ".join(s[lang] for s in items) for lang in LANGS}
        if link is not None:
            anchor = self.pick(NOUNS)
            for lang in LANGS:
                see = "Voir aussi" if lang == "fr" else "See also"
                out[lang] += f" {see} [{anchor[lang]}]({link})."
        return out


def article(i: int, n: int, m: int, seed: int) -> dict[str, str]:
    """Return the text of article i in each language."""
    rng = random.Random(f"{seed}-{i}")
    w = Writer(rng)
    day = FIRST_DAY + timedelta(days=rng.randrange(DAYS + 1))
    head, obj, adj = w.pick(TITLE_HEADS), w.pick(NOUNS), w.pick(ADJS)
    titles = {"fr": f"{head['fr']} {obj['fr']} {adj['fr']} ({i + 1})",
              "en": f"{head['en']} the {adj['en']} {obj['en']} ({i + 1})"}
    summary = w.sentence(12)
    tag_idx = sorted(rng.sample(range(len(TAGS["fr"])), rng.randint(1, 3)))
    others = [j for j in (rng.randrange(n) for _ in range(3)) if j != i] or [(i + 1) % n] if n > 1 else []
    links = [file_name(j) for j in others]
    n_facts = rng.randint(1, 2) if m else 0
    facts = [f"fact-{rng.randrange(m):03d}" for _ in range(n_facts)]
    heads = rng.sample(range(len(HEADINGS["fr"])), 3)
    sub = rng.sample(range(len(HEADINGS["fr"])), 2)

    blocks: list[dict[str, str]] = []

    def same(text: str) -> dict[str, str]:
        return {lang: text for lang in LANGS}

    def heading(level: int, k: int, suffix: str = "") -> None:
        blocks.append({lang: "#" * level + " " + HEADINGS[lang][k] + suffix for lang in LANGS})

    blocks.append(w.paragraph(4))
    heading(2, heads[0])
    blocks.append(w.paragraph(4, link=links[0] if links else None))
    if facts:
        blocks.append(same(f"{{{{< fact {facts[0]} >}}}}"))
    blocks.append(w.paragraph(3))
    heading(3, sub[0], " (1)")
    items = [w.sentence(rng.randint(6, 10)) for _ in range(rng.randint(4, 6))]
    blocks.append({lang: "\n".join(f"- {s[lang]}" for s in items) for lang in LANGS})
    heading(2, heads[1])
    blocks.append(w.paragraph(4))
    year0 = rng.randint(2015, 2020)
    rows = []
    value = rng.randint(1000, 90000)
    for y in range(year0, year0 + 4):
        change = rng.randint(-20, 45)
        value = max(100, value + value * change // 100)
        rows.append((str(y), value, change))
    table = {}
    for lang in LANGS:
        h = TABLE_HEAD[lang]
        lines = [f"| {h[0]} | {h[1]} | {h[2]} |", "| --- | ---: | ---: |"]
        for y, v, c in rows:
            num = f"{v:,}".replace(",", " " if lang == "fr" else ",")
            pct = f"{c:+d} %" if lang == "fr" else f"{c:+d}%"
            lines.append(f"| {y} | {num} | {pct} |")
        table[lang] = "\n".join(lines)
    blocks.append(table)
    blocks.append(w.paragraph(3, link=links[1] if len(links) > 1 else None))
    heading(3, sub[1], " (2)")
    steps = [w.sentence(rng.randint(6, 10)) for _ in range(rng.randint(3, 5))]
    blocks.append({lang: "\n".join(f"{k}. {s[lang]}" for k, s in enumerate(steps, 1)) for lang in LANGS})
    blocks.append(w.paragraph(3))
    if len(facts) > 1:
        blocks.append(same(f"{{{{< fact {facts[1]} >}}}}"))
    heading(2, heads[2])
    blocks.append(w.paragraph(4, link=links[-1] if links else None))

    out = {}
    for lang in LANGS:
        tags = ", ".join(TAGS[lang][k] for k in tag_idx)
        front = [
            "---",
            f"title: {yaml_str(titles[lang])}",
            f"date: {day.isoformat()}",
            f"slug: {slugify(titles[lang])}",
            f"summary: {yaml_str(summary[lang])}",
            f"tags: [{tags}]",
            "---",
            "",
        ]
        out[lang] = "\n".join(front) + "\n\n".join(b[lang] for b in blocks) + "\n"
    return out


def fact(k: int, seed: int) -> str:
    """Return the YAML of fact k."""
    rng = random.Random(f"{seed}-fact-{k}")
    fmt = FORMATS[k % len(FORMATS)]
    if fmt == "number":
        value: int | float = rng.randint(120, 4_900_000)
    elif fmt == "percent":
        value = rng.randint(2, 98) if k % 8 else round(rng.uniform(1, 99), 1)
    elif fmt == "compact":
        value = rng.randint(1_200_000, 9_800_000_000)
    else:
        value = rng.randint(1998, 2024)
    noun, tail = rng.randrange(len(LABEL_NOUNS["fr"])), rng.randrange(len(LABEL_TAIL["fr"]))
    label = {lang: f"{LABEL_NOUNS[lang][noun]} {LABEL_TAIL[lang][tail]}" for lang in LANGS}
    if fmt == "year":
        label = {"fr": f"année où les {LABEL_NOUNS['fr'][noun]} ont été {LABEL_TAIL['fr'][tail].split()[0]}",
                 "en": f"year the {LABEL_NOUNS['en'][noun]} were first {LABEL_TAIL['en'][tail].split()[0]}"}
    lines = [f"value: {value}", f"format: {fmt}"]
    if fmt != "year" and k % 3 == 0:
        lines.append(f"qualifier: {QUALIFIERS[(k // 3) % len(QUALIFIERS)]}")
    lines += ["label:", f"  fr: {yaml_str(label['fr'])}", f"  en: {yaml_str(label['en'])}"]
    when = FIRST_DAY + timedelta(days=rng.randrange(DAYS + 1))
    # Every form the format allows: full date unquoted, then quoted month and year.
    written = [when.isoformat(), f'"{when.isoformat()[:7]}"', f'"{when.year}"'][k % 3]
    lines += [
        "source:",
        f"  publisher: {PUBLISHERS[k % len(PUBLISHERS)]}",
        f"  url: https://example.org/reports/{when.year}/fact-{k:03d}",
        f"  date: {written}",
    ]
    return "\n".join(lines) + "\n"


SITE_YAML = """\
# Synthetic benchmark site written by bench/make_corpus.py ({n} articles per language, {m} facts).
title:
  fr: "Vigie – site de banc d'essai"
  en: "Vigie – benchmark site"
description:
  fr: "Un site synthétique pour mesurer la vitesse de construction."
  en: "A synthetic site to measure build speed."
base_url: https://bench.example.org/
languages: [fr, en]
locales: {{fr: fr_FR, en: en_GB}}
default_language: fr
"""


#: The figure the fact sheet features (fact-000, which no sheet features, is timed too: bench/run.py).
SHEET_FACT = "fact-001"
SHEET = {
    "fr": ("Fiche de banc d'essai : les chiffres à connaître", "fiche-banc", "Deux pages à imprimer pour la classe."),
    "en": ("Benchmark sheet: the figures to know", "bench-sheet", "Two pages to print for the classroom."),
}


def sheet(seed: int) -> dict[str, str]:
    """Return the Markdown of the fact sheet in each language: a resource featuring `SHEET_FACT`, three sections."""
    w = Writer(random.Random(f"{seed}-sheet"))
    sections = [(w.paragraph(4), w.sentence(8), w.sentence(8)) for _ in range(3)]
    out = {}
    for lang in LANGS:
        title, slug, summary = SHEET[lang]
        body = "\n".join(f"## {HEADINGS[lang][k]}\n\n{text[lang]}\n\n- {one[lang]}\n- {two[lang]}\n"
                          for k, (text, one, two) in enumerate(sections))
        out[lang] = (f"---\ntitle: {yaml_str(title)}\ndate: 2024-03-01\nslug: {slug}\n"
                     f"translation_key: bench-sheet\nsummary: {yaml_str(summary)}\nfactsheet: true\n"
                     f"facts: [{SHEET_FACT}]\n---\n\n{body}")
    return out


def make_corpus(out: Path, articles: int, facts: int, seed: int = 2022) -> dict[str, int]:
    """Write the site into ``out``; return counts (files, words per article)."""
    out.mkdir(parents=True, exist_ok=True)
    content = out / "content"
    if content.exists():
        shutil.rmtree(content)
    (out / "site.yaml").write_text(SITE_YAML.format(n=articles, m=facts), encoding="utf-8")
    for lang in LANGS:
        (content / lang / "articles").mkdir(parents=True)
    (content / "facts").mkdir(parents=True)
    words = 0
    for i in range(articles):
        texts = article(i, articles, facts, seed)
        name = file_name(i)
        for lang in LANGS:
            (content / lang / "articles" / name).write_text(texts[lang], encoding="utf-8")
        words += len(texts["en"].split("---\n", 2)[-1].split())
    for k in range(facts):
        (content / "facts" / f"fact-{k:03d}.yaml").write_text(fact(k, seed), encoding="utf-8")
    sheets = 0
    if facts > int(SHEET_FACT.split("-")[1]):
        for lang, text in sheet(seed).items():
            (content / lang / "resources").mkdir(parents=True)
            (content / lang / "resources" / "bench-sheet.md").write_text(text, encoding="utf-8")
            sheets += 1
    return {"articles": articles, "facts": facts, "files": 2 * articles + facts + sheets + 1,
            "words_per_article": words // max(articles, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, metavar="OUT_DIR")
    parser.add_argument("--articles", type=int, default=250, metavar="N", help="articles per language")
    parser.add_argument("--facts", type=int, default=40, metavar="M", help="key figures")
    parser.add_argument("--seed", type=int, default=2022)
    args = parser.parse_args(argv)
    if args.articles < 1 or args.facts < 0 or args.facts > 1000:
        parser.error("--articles must be at least 1 and --facts between 0 and 1000")
    counts = make_corpus(args.out, args.articles, args.facts, args.seed)
    print(f"wrote {counts['files']} files into {args.out} "
          f"({counts['articles']} articles per language, {counts['facts']} facts, "
          f"~{counts['words_per_article']} words per article)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
