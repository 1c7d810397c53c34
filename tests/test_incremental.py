"""Incremental updates (`vigie serve`): every edit followed gives a full build's bytes, re-rendering little.

Each case copies the fixture site, renders it, applies one edit, and asks
`apply_edits` for an update: either None (render everything) or files equal
to a fresh full render's, with exactly the expected pages made again.
"""

from __future__ import annotations

import logging

import shutil
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Mapping

import pytest

from conftest import BUILD_DAY, FIXTURE_SITE, IGNORED, REPO
from generator.build import BuildOptions, BuildResult, render_site
from generator.core.errors import SiteError, SiteErrors
from generator.commands.incremental import Early, Edits, Update, apply_edits, sort_edits
from generator.model.plan import card_renditions
from generator.model.site import assemble_site, with_new_records
from support import load_site

ARTICLE = "content/fr/articles/ecrans.md"
"""French only, tagged Famille, embeds share-girls."""
ARTICLE_PAGE = "fr/articles/ecrans/index.html"
DAILY = "content/facts/daily-victims.yaml"
"""Featured on the home pages, cited and embedded by annee-record (both languages), on both fact sheets."""
GIRLS = "content/facts/share-girls.yaml"
"""Embedded by ecrans (fr), on both fact sheets."""

LISTS_OF_ARTICLE = frozenset({ARTICLE_PAGE, "fr/articles/index.html", "fr/index.html", "fr/themes/famille/index.html",
                              "fr/chiffres/share-girls/index.html"})
"""The article, its section, the home, its tag, and the figure page citing it."""
ARTICLE_PAGES = frozenset({ARTICLE_PAGE, "fr/articles/annee-record-2021/index.html",
                           "en/articles/record-year-2021/index.html", "en/articles/later/index.html"})
RESOURCE_PAGES = frozenset({"fr/ressources/index.html", "fr/ressources/fiche-parents/index.html",
                            "en/resources/index.html", "en/resources/parents-sheet/index.html"})
"""Show each fact sheet's PDF size and the press kit's."""
WITH_EMBEDS = frozenset({ARTICLE_PAGE, "fr/articles/annee-record-2021/index.html",
                         "en/articles/record-year-2021/index.html"})


@dataclass(frozen=True)
class Change:
    """One file edited (old → new text), written whole (old is None), or deleted (new is None)."""

    path: str
    old: str | None = None
    new: str | None = None

    def apply(self, root: Path) -> None:
        target = root / self.path
        if self.new is None:
            target.unlink()
        elif self.old is None:
            target.write_text(self.new, encoding="utf-8")
        else:
            text = target.read_text(encoding="utf-8")
            assert self.old in text, (self.path, self.old)
            target.write_text(text.replace(self.old, self.new, 1), encoding="utf-8")


def every_page(result: BuildResult, lang: str | None = None) -> frozenset[str]:
    """Return every HTML page of a build (of one language: its pages, and the chooser and 404 in its name)."""
    assert result.site is not None
    return frozenset(path for path in result.files
                     if path.endswith(".html") and (lang is None or path.startswith(f"{lang}/")
                                                    or path in ("index.html", "404.html")))


Expected = frozenset[str] | Callable[[BuildResult], frozenset[str]] | None
"""The pages an update makes again (from the full build when a function), or None: no update."""


@dataclass(frozen=True)
class Case:
    name: str
    changes: tuple[Change, ...]
    pages: Expected
    layouts: tuple[str, ...] = ()
    """Default layouts copied into the site's layouts/ before the first build (so the edit changes a file)."""


CASES = [
    # Markdown
    Case("article body", (Change(ARTICLE, "Un article non traduit", "Un article, non traduit,"),), {ARTICLE_PAGE}),
    Case("home intro", (Change("content/fr/index.md", "Bienvenue", "Bienvenue à tous"),), {"fr/index.html"}),
    Case("article title", (Change(ARTICLE, "title: Les écrans en famille", "title: Écrans"),), LISTS_OF_ARTICLE),
    Case("article summary", (Change(ARTICLE, "summary: Parler d'Internet", "summary: Parler du Web"),),
         LISTS_OF_ARTICLE),
    Case("article date", (Change(ARTICLE, "date: 2022-06-01", "date: 2022-05-01"),), LISTS_OF_ARTICLE),
    Case("article tag already used", (Change(ARTICLE, "tags: [Famille]", "tags: [Famille, ICSE]"),),
         LISTS_OF_ARTICLE | {"fr/themes/icse/index.html"}),
    Case("article new tag", (Change(ARTICLE, "tags: [Famille]", "tags: [Famille, Écrans]"),),
         LISTS_OF_ARTICLE | {"fr/themes/ecrans/index.html", "fr/themes/index.html",
                             "fr/articles/annee-record-2021/index.html"}),  # the new page, and tag_url's readers
    Case("page title", (Change("content/fr/pages/aide.md", "title: Trouver de l'aide", "title: Obtenir de l'aide"),),
         lambda full: every_page(full, "fr")),  # every footer links every page by its title
    Case("article featured figure", (Change(ARTICLE, "tags: [Famille]", "tags: [Famille]\nfacts: [daily-victims]"),),
         LISTS_OF_ARTICLE | {"fr/chiffres/victimes-par-jour/index.html"}),
    Case("fact sheet body", (Change("content/fr/resources/fiche-parents.md", "Écouter,", "Écouter d'abord,"),),
         RESOURCE_PAGES),  # both PDFs are made again (from the cache if unchanged): pdf_info may differ anywhere
    Case("article slug", (Change(ARTICLE, "tags: [Famille]", "tags: [Famille]\nslug: les-ecrans"),), None),
    Case("article now a draft", (Change(ARTICLE, "tags: [Famille]", "tags: [Famille]\ndraft: true"),), None),
    Case("draft edited", (Change("content/fr/articles/brouillon.md", "Pas encore", "Toujours pas"),), None),
    Case("new article", (Change("content/fr/articles/nouveau.md", None, "---\ntitle: Nouveau\n---\n\nTexte.\n"),),
         None),
    Case("deleted article", (Change(ARTICLE),), None),
    # English has no article left: its menus and home no longer offer the section (`filled_sections`)
    Case("the last English article deleted", (Change("content/en/articles/annee-record.md"),), None),
    # facts
    Case("fact value", (Change(DAILY, "value: 7", "value: 8"),),
         WITH_EMBEDS - {ARTICLE_PAGE} | RESOURCE_PAGES | {
             "fr/index.html", "en/index.html", "fr/chiffres/index.html", "en/facts/index.html",
             "fr/chiffres/victimes-par-jour/index.html", "en/facts/victims-per-day/index.html"}),
    Case("fact label", (Change(GIRLS, "fr: des contenus traités", "fr: des images traitées"),),
         RESOURCE_PAGES | {ARTICLE_PAGE, "fr/chiffres/index.html", "en/facts/index.html",
                           "fr/chiffres/share-girls/index.html", "en/facts/share-girls/index.html"}),
    Case("fact source", (Change(GIRLS, "url: https://www.iwf.org.uk/", "url: https://www.iwf.org.uk/news/"),),
         RESOURCE_PAGES | {ARTICLE_PAGE, "fr/chiffres/index.html", "en/facts/index.html",
                           "fr/chiffres/share-girls/index.html", "en/facts/share-girls/index.html"}),
    Case("fact slug", (Change(DAILY, "fr: victimes-par-jour", "fr: victimes-chaque-jour"),), None),
    Case("new fact", (Change("content/facts/new.yaml", None, "value: 1\nlabel: {fr: un, en: one}\nsource:\n"
                             "  publisher: X\n  url: https://example.org/\n  date: 2022\n"),), None),
    Case("deleted fact", (Change(GIRLS), Change(ARTICLE, "{{< fact share-girls >}}", "Sans chiffre."),
                          Change("content/fr/resources/fiche-parents.md", "facts: [daily-victims, share-girls]",
                                 "facts: [daily-victims]"),
                          Change("content/en/resources/parents-sheet.md", "facts: [daily-victims, share-girls]",
                                 "facts: [daily-victims]")), None),
    # templates
    Case("page template", (Change("layouts/article.html", 'class="prose"', 'class="prose article__body"'),),
         ARTICLE_PAGES, layouts=("article.html",)),
    Case("partial on every page", (Change("layouts/partials/footer.html", 'class="site-footer"',
                                          'class="site-footer site-footer--test"'),),
         every_page, layouts=("partials/footer.html",)),
    Case("embed partial", (Change("layouts/partials/fact-embed.html", None, "<p>{{ fact.figure }}</p>\n"),),
         WITH_EMBEDS, layouts=("partials/fact-embed.html",)),
    Case("override created", (Change("layouts/tags.html", None, "{% extends 'base.html' %}\n"),),
         {"fr/themes/index.html", "en/topics/index.html"}),
    Case("print layout", (Change("layouts/print/factsheet.html", 'content="Vigie"', 'content="Vigie test"'),),
         RESOURCE_PAGES, layouts=("print/factsheet.html",)),
    Case("article embeds one more figure", (Change(ARTICLE, "{{< fact share-girls >}}",
                                                   "{{< fact share-girls >}}\n\n{{< fact daily-victims >}}"),),
         {ARTICLE_PAGE, "fr/chiffres/victimes-par-jour/index.html"}),
    Case("article drops its figure", (Change(ARTICLE, "{{< fact share-girls >}}", "Plus de figure ici."),),
         {ARTICLE_PAGE, "fr/chiffres/share-girls/index.html"}),
    Case("list reads bodies", (Change(ARTICLE, "Un article non traduit", "Un article, non traduit,"),),
         {ARTICLE_PAGE, "fr/articles/index.html", "fr/index.html", "fr/themes/famille/index.html"},
         layouts=("partials/article-list.html",)),  # made to show each body's word count below
    # the rest
    Case("site.yaml", (Change("site.yaml", "Veille test", "Veille"),), None),
    # A language added with its title: the old site has no site card for it (a KeyError in the preview).
    Case("a language added with its title", (Change("site.yaml", "en: Watch test}", "en: Watch test, de: Wache}"),
                                             Change("site.yaml", "languages: [fr, en]", "languages: [fr, en, de]"),
                                             Change("site.yaml", "en: European emergency number}",
                                                    "en: European emergency number, de: Europäischer Notruf}"),
                                             Change("site.yaml", "region: {fr: International, en: International}",
                                                    "region: {fr: International, en: International, de: "
                                                    "International}"),
                                             Change(DAILY, "  en: victims identified on an average day with the ICSE "
                                                    "database", "  en: victims identified on an average day with the "
                                                    "ICSE database\n  de: identifizierte Opfer pro Tag"),
                                             Change(GIRLS, "  en: of the imagery the IWF actioned in 2021 shows girls",
                                                    "  en: of the imagery the IWF actioned in 2021 shows girls\n"
                                                    "  de: der Bilder zeigen Mädchen"),
                                             Change("content/de/index.md", None, "---\ntitle: Start\n---\n\nHallo.\n")),
         None),
    Case("UI strings", (Change("layouts/i18n/fr.yaml", None, "skip_link: Aller au contenu\n"),), None),
    # A page reads a counted text by its name; the build picks the form ("1 page"): an edit of the form counts.
    Case("a form of a counted UI string", (Change("layouts/i18n/fr.yaml", None,
                                                  'resources:\n  page_count:\n    one: "{count} feuille"\n'),),
         {"fr/ressources/fiche-parents/index.html"}),
    Case("asset", (Change("assets/css/extra.css", None, "p { color: red; }\n"),), None),
    Case("a template with an article", (Change(ARTICLE, "Un article non traduit", "Un article, non traduit,"),
                                        Change("layouts/partials/help-aside.html", None, "<aside>?</aside>\n")),
         ARTICLE_PAGES),
]


@pytest.fixture
def site(bare_site: Path, warm_cache: Path) -> Path:
    """A fresh copy of the fixture site with a warm cache (`conftest.warm_cache`: the fixture's build's)."""
    shutil.copytree(warm_cache, bare_site / ".vigie-cache")
    return bare_site


def copy_layouts(root: Path, names: tuple[str, ...]) -> None:
    for name in names:
        target = root / "layouts" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / "layouts" / name, target)
    if "partials/article-list.html" in names:
        listing = root / "layouts/partials/article-list.html"
        text = listing.read_text(encoding="utf-8")
        listing.write_text(text.replace("{{ doc.title }}", "{{ doc.title }} ({{ doc.body | wordcount }})"),
                           encoding="utf-8")


def files_of(result: BuildResult) -> dict[str, bytes]:
    return {path: item.data for path, item in result.files.items()}


def test_a_body_or_figure_edit_keeps_the_site_model_and_equals_assembling_it_again() -> None:
    site = load_site()
    doc = next(d for d in site.documents if d.rel == "fr/articles/annee-record.md")
    edited = replace(doc, body=doc.body + "\nUne phrase de plus.\n")
    documents = [edited if d is doc else d for d in site.documents]
    fact_id = next(f for f in site.facts if site.cited_by.get(f))
    fact = site.facts[fact_id]
    relabelled = replace(fact, label={**fact.label, "fr": "un autre libellé"}, value=8)
    facts = {**site.facts, fact_id: relabelled}
    for new_docs, new_facts, changed in ((documents, dict(site.facts), edited), (list(site.documents), facts, relabelled)):
        kept = with_new_records(site, new_docs, new_facts)
        assert kept == assemble_site(site.config, new_docs, new_facts, BUILD_DAY)
        old = doc if changed is edited else fact
        holders = [*kept.documents, *kept.facts.values(), *(p.doc for p in kept.pages), *(p.fact for p in kept.pages),
                   *(i for p in kept.pages for i in p.items),
                   *(d for by_tag in kept.tags.values() for tagged in by_tag.values() for d in tagged),
                   *(d for cited in kept.cited_by.values() for d in cited)]
        assert any(d is changed for d in holders) and not any(d is old for d in holders)
        page = kept.doc_pages[doc.rel] if changed is edited else kept.fact_pages[(fact_id, "fr")]
        assert page.doc is changed or page.fact is changed
        assert kept.groups[page.group][page.lang] is page and page in kept.pages
    assert kept.fact_pages[(fact_id, "fr")].title == "un autre libellé"
    assert with_new_records(site, list(site.documents), dict(site.facts)) is site
    # Anything else changed: the site is assembled again.
    assert with_new_records(site, [replace(edited, title="Autre titre") if d is doc else d for d in site.documents],
                            site.facts) is None
    assert with_new_records(site, [replace(edited, embeds=("autre",)) if d is doc else d
                                   for d in site.documents], site.facts) is None
    assert with_new_records(site, documents[1:], site.facts) is None
    assert with_new_records(site, documents, {**facts, fact_id: replace(relabelled, slug={"fr": "x", "en": "x"})}) is None
    assert with_new_records(site, documents, {k: v for k, v in facts.items() if k != fact_id}) is None


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_an_update_equals_a_full_build_and_renders_only_what_changed(site: Path, case: Case) -> None:
    copy_layouts(site, case.layouts)
    options = BuildOptions(root=site, today=BUILD_DAY, record=True)
    first = render_site(options)
    for change in case.changes:
        (site / change.path).parent.mkdir(parents=True, exist_ok=True)
        change.apply(site)
    done = apply_edits(first, options, [change.path for change in case.changes])
    assert done is not None
    full = render_site(options)
    assert files_of(done.result) == files_of(full)
    if case.pages is not None:  # at most the pages that show what changed (what changed is made: files are equal)
        expected = case.pages(full) if callable(case.pages) else case.pages
        assert done.pages <= expected, sorted(done.pages - expected)
    changed = {path for path, data in files_of(full).items() if first.files.get(path, None) is None
               or first.files[path].data != data}
    assert changed <= done.rerendered  # (implied by equality; a readable failure when it is not)


def test_a_new_tag_page_is_made_and_a_tag_no_longer_used_is_removed(site: Path) -> None:
    options = BuildOptions(root=site, today=BUILD_DAY, record=True)
    first = render_site(options)
    Change(ARTICLE, "tags: [Famille]", "tags: [Écrans]").apply(site)
    done = apply_edits(first, options, [ARTICLE])
    assert done is not None
    assert "fr/themes/ecrans/index.html" in done.result.files
    assert done.removed == {"fr/themes/famille/index.html"}
    assert files_of(done.result) == files_of(render_site(options))


def test_a_fact_edit_draws_only_its_own_cards_and_makes_the_press_kits_again(site: Path) -> None:
    options = BuildOptions(root=site, today=BUILD_DAY, record=True)
    first = render_site(options)
    Change(GIRLS, "value: 97", "value: 96").apply(site)
    done = apply_edits(first, options, [GIRLS])
    assert done is not None
    assert done.rerendered - done.pages == {
        "fr/chiffres/share-girls/card.png", "fr/chiffres/share-girls/card-square.png",
        "en/facts/share-girls/card.png", "en/facts/share-girls/card-square.png",
        "fr/ressources/veille-test-fr.zip", "en/resources/watch-test-en.zip",
        "fr/ressources/fiche-parents/fiche-parents.pdf", "en/resources/parents-sheet/parents-sheet.pdf",
        *(folder + name for folder in ("fr/chiffres/share-girls/", "en/facts/share-girls/")
          for name in card_renditions())}  # the smaller copies the pages show
    assert done.result.cards_drawn == 4
    assert "fr/articles/annee-record-2021/index.html" not in done.pages  # neither embeds nor lists it


@pytest.mark.parametrize(("feed", "made"), [
    ("", set()),
    ("{% for doc in entries %}{{ doc.body | wordcount }}{% endfor %}", {"fr/feed.xml"}),
])
def test_feeds_and_sitemap_are_made_again_only_when_what_they_show_changed(
        site: Path, feed: str, made: set[str]) -> None:
    copy_layouts(site, ("feed.xml",))
    Change("layouts/feed.xml", "</feed>", feed + "</feed>").apply(site)
    options = BuildOptions(root=site, today=BUILD_DAY, record=True)
    first = render_site(options)
    Change(ARTICLE, "Un article non traduit", "Un article, non traduit,").apply(site)
    done = apply_edits(first, options, [ARTICLE])
    assert done is not None and done.rerendered - done.pages == made
    assert files_of(done.result) == files_of(render_site(options))
    Change(ARTICLE, "date: 2022-06-01", "date: 2022-05-01").apply(site)
    again = apply_edits(done.result, options, [ARTICLE])
    assert again is not None and {"fr/feed.xml", "sitemap.xml"} <= again.rerendered
    assert files_of(again.result) == files_of(render_site(options))


def test_a_title_edit_outside_the_feed_leaves_the_feed_as_it_is(site: Path) -> None:
    config = site / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "feed_entries: 1\n", encoding="utf-8")
    options = BuildOptions(root=site, today=BUILD_DAY, record=True)
    first = render_site(options)
    older = "content/fr/articles/annee-record.md"  # the feed holds ecrans.md, one week newer
    Change(older, "title: Une année record", "title: Une année sans pareille").apply(site)
    done = apply_edits(first, options, [older])
    assert done is not None and "fr/feed.xml" not in done.rerendered
    assert files_of(done.result) == files_of(render_site(options))
    Change(ARTICLE, "title: Les écrans en famille", "title: Les écrans à la maison").apply(site)
    again = apply_edits(done.result, options, [ARTICLE])
    assert again is not None and "fr/feed.xml" in again.rerendered
    assert b"Les \xc3\xa9crans \xc3\xa0 la maison" in again.result.files["fr/feed.xml"].data
    assert files_of(again.result) == files_of(render_site(options))


def test_a_fact_sheet_turned_off_is_gone_from_the_update_and_back_when_turned_on(site: Path) -> None:
    options = BuildOptions(root=site, today=BUILD_DAY, record=True)
    first = render_site(options)
    sheet, pdf = "content/fr/resources/fiche-parents.md", "fr/ressources/fiche-parents/fiche-parents.pdf"
    assert pdf in first.files
    Change(sheet, "factsheet: true", "factsheet: false").apply(site)
    off = apply_edits(first, options, [sheet])
    full = render_site(options)
    assert off is not None and pdf not in off.result.files and pdf not in off.result.planned
    assert files_of(off.result) == files_of(full) and off.result.planned == full.planned
    Change(sheet, "factsheet: false", "factsheet: true").apply(site)
    on = apply_edits(off.result, options, [sheet])
    assert on is not None and pdf in on.result.files and pdf in on.result.planned
    assert files_of(on.result) == files_of(render_site(options))


def updated_with_early(site: Path, change: Change) -> tuple[BuildResult, Update, list[Early], dict[str, bytes]]:
    """Build ``site``, make ``change``, update as `vigie serve` does: the first build, the update, what it showed
    early, and the files it ended with (checked to be a full build's)."""
    options = BuildOptions(root=site, today=BUILD_DAY, record=True)
    first = render_site(options)
    change.apply(site)
    shown: list[Early] = []
    done = apply_edits(first, options, [change.path], early=shown.append)
    assert done is not None
    final = files_of(done.result)
    assert final == files_of(render_site(options))
    return first, done, shown, final


def differs_after(early: Early, final: Mapping[str, bytes]) -> set[str]:
    """Return the paths whose file an update's end left other than the pages it showed early (`Early`)."""
    return {path for path in final.keys() | early.files.keys()
            if path not in early.files or final.get(path) != early.files[path].data}


def test_the_pages_are_handed_over_before_the_cards_and_sheets_which_are_said_pending(site: Path) -> None:
    """What `vigie serve` shows before a figure's cards and the fact sheet citing it are made again."""
    first, done, shown, final = updated_with_early(site, Change(DAILY, "value: 7", "value: 8"))
    assert len(shown) == 2  # the figure's own pages first, then every page
    page, card = "fr/chiffres/victimes-par-jour/index.html", "fr/chiffres/victimes-par-jour/card.png"
    citing = "fr/articles/annee-record-2021/index.html"  # shows the figure
    pdf = next(path for path in final if path.startswith("fr/ressources/fiche-parents/") and path.endswith(".pdf"))
    assert citing in shown[0].pending and citing not in shown[1].pending
    assert shown[1].files[citing].data == final[citing] != first.files[citing].data
    for early in shown:
        assert page not in early.pending and early.files[page].data == final[page] != first.files[page].data
        assert {card, pdf, "fr/ressources/index.html"} <= early.pending
        assert early.files[card].data == first.files[card].data != final[card]  # the old card, said pending
        differ = differs_after(early, final)
        assert differ and differ <= early.pending  # nothing else changes after it
    shown.clear()
    Change(ARTICLE, "Un article non traduit", "Un article, non traduit,").apply(site)
    options = BuildOptions(root=site, today=BUILD_DAY, record=True)
    assert apply_edits(done.result, options, [ARTICLE], early=shown.append) is not None and not shown  # nothing slow


def test_a_title_edit_shows_its_article_first_and_the_lists_said_pending(site: Path) -> None:
    """What `vigie serve` shows while the lists and tag pages that show the new title are made."""
    first, _, shown, final = updated_with_early(site, Change(ARTICLE, "title: Les écrans en famille",
                                                            "title: Les écrans, relus"))
    assert len(shown) == 1
    early = shown[0]
    assert ARTICLE_PAGE not in early.pending and early.files[ARTICLE_PAGE].data == final[ARTICLE_PAGE]
    assert b"Les \xc3\xa9crans, relus" in final[ARTICLE_PAGE]
    lists = {"fr/articles/index.html", "fr/index.html", "fr/themes/famille/index.html"} & final.keys()
    assert len(lists) == 3 and lists <= early.pending
    assert all(early.files[path].data == first.files[path].data != final[path] for path in lists)
    assert differs_after(early, final) <= early.pending


def test_an_invalid_fact_raises_and_leaves_the_previous_build_whole(site: Path) -> None:
    options = BuildOptions(root=site, today=BUILD_DAY, record=True)
    first = render_site(options)
    before = files_of(first)
    fact = site / DAILY
    good = fact.read_text(encoding="utf-8")
    fact.write_text(good.replace("value: 7", "value: [7]"), encoding="utf-8")
    with pytest.raises(SiteErrors) as info:
        apply_edits(first, options, [DAILY])
    assert [str(e) for e in info.value.errors][0].startswith(f"{DAILY}:1: 'value' must be a number")
    assert files_of(first) == before
    fact.write_text(good.replace("value: 7", "value: 8"), encoding="utf-8")
    done = apply_edits(first, options, [DAILY])  # the serve loop passes every file changed since `first`
    assert done is not None and files_of(done.result) == files_of(render_site(options))


def test_a_template_syntax_error_raises_with_its_line(site: Path) -> None:
    copy_layouts(site, ("article.html",))
    options = BuildOptions(root=site, today=BUILD_DAY, record=True)
    first = render_site(options)
    Change("layouts/article.html", '<div class="prose"', '{% if %}<div class="prose"').apply(site)
    with pytest.raises(SiteErrors) as info:
        apply_edits(first, options, ["layouts/article.html"])
    assert {str(e) for e in info.value.errors} == {
        "layouts/article.html:12: template syntax error: Expected an expression, got 'end of statement block'"}


def test_an_unknown_embed_raises_like_a_full_build(site: Path) -> None:
    options = BuildOptions(root=site, today=BUILD_DAY, record=True)
    first = render_site(options)
    Change(ARTICLE, "{{< fact share-girls >}}", "{{< fact nope >}}").apply(site)
    with pytest.raises(SiteErrors) as info:
        apply_edits(first, options, [ARTICLE])
    with pytest.raises(SiteErrors) as full:
        render_site(options)
    assert [str(e) for e in info.value.errors] == [str(e) for e in full.value.errors]


def test_an_image_leading_nowhere_is_warned_about_like_a_full_build(site: Path,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    options = BuildOptions(root=site, today=BUILD_DAY, record=True)
    first = render_site(options)
    Change(ARTICLE, "{{< fact share-girls >}}",  # the search index's script is planned, not made in memory
           "{{< fact share-girls >}}\n\n![Photo](photo.jpg) [search](/pagefind/pagefind.js)").apply(site)
    with caplog.at_level(logging.WARNING):
        assert apply_edits(first, options, [ARTICLE]) is not None
        updated = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        caplog.clear()
        render_site(options)
    assert updated == [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING] == [
        "content/fr/articles/ecrans.md:12: warning: broken link 'photo.jpg': there is no page or file "
        "/fr/articles/ecrans/photo.jpg in the site (drafts and future-dated pages are not published)"]


def test_a_link_to_a_page_that_goes_is_warned_about_and_one_that_comes_back_is_not(
        site: Path, caplog: pytest.LogCaptureFixture) -> None:
    """The linking page is not edited, nor does it show anything of the page it links to: only the link leads there."""
    options = BuildOptions(root=site, today=BUILD_DAY, record=True)
    later = "content/en/articles/later.md"
    Change(later, "Only in English.", "Only in English.\n\n[In French](/fr/articles/ecrans/)").apply(site)
    first = render_site(options)
    Change(ARTICLE, "title: Les écrans en famille", "title: Les écrans en famille\ndraft: true").apply(site)
    with caplog.at_level(logging.WARNING):
        gone = apply_edits(first, options, [ARTICLE])
        updated = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        caplog.clear()
        render_site(options)
        full = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert gone is not None and updated == full == [
        "content/en/articles/later.md:9: warning: broken link '/fr/articles/ecrans/': there is no page or file "
        "/fr/articles/ecrans/ in the site (drafts and future-dated pages are not published)"]
    assert "en/articles/later/index.html" in gone.rerendered
    Change(ARTICLE, "title: Les écrans en famille\ndraft: true", "title: Les écrans en famille").apply(site)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        back = apply_edits(gone.result, options, [ARTICLE])
    assert back is not None and not [r for r in caplog.records if r.levelno == logging.WARNING]
    assert files_of(back.result) == files_of(first)


def test_a_document_that_does_not_parse_raises_like_a_full_build(site: Path) -> None:
    options = BuildOptions(root=site, today=BUILD_DAY, record=True)
    first = render_site(options)
    Change(ARTICLE, "title: Les écrans en famille", "title: [oops").apply(site)
    with pytest.raises((SiteError, SiteErrors)) as info:
        apply_edits(first, options, [ARTICLE])
    with pytest.raises((SiteError, SiteErrors)) as full:
        render_site(options)
    assert str(info.value) == str(full.value)


def test_a_deleted_figure_still_cited_raises_like_a_full_build(site: Path) -> None:
    options = BuildOptions(root=site, today=BUILD_DAY, record=True)
    first = render_site(options)
    Change(GIRLS).apply(site)
    with pytest.raises(SiteErrors) as info:
        apply_edits(first, options, [GIRLS])
    with pytest.raises(SiteErrors) as full:
        render_site(options)
    assert [str(e) for e in info.value.errors] == [str(e) for e in full.value.errors]


def test_successive_updates_keep_the_index_of_what_each_page_read(site: Path) -> None:
    from generator.commands.incremental import DepIndex

    copy_layouts(site, ("partials/footer.html",))
    options = BuildOptions(root=site, today=BUILD_DAY, record=True)
    first = render_site(options)
    assert first.rendered is not None
    index = DepIndex(first.rendered.records)
    Change(ARTICLE, "tags: [Famille]", "tags: [Famille, Écrans]").apply(site)  # a tag appears
    one = apply_edits(first, options, [ARTICLE], index)
    assert one is not None and "fr/themes/ecrans/index.html" in index.records
    Change(ARTICLE, "Un article non traduit", "Un article, non traduit,").apply(site)
    two = apply_edits(one.result, options, [ARTICLE], index)
    assert two is not None and two.pages == {ARTICLE_PAGE}
    Change("layouts/partials/footer.html", 'class="site-footer"', 'class="site-footer x"').apply(site)
    three = apply_edits(two.result, options, ["layouts/partials/footer.html"], index)
    assert three is not None and three.pages == every_page(three.result)
    assert files_of(three.result) == files_of(render_site(options))


def test_changed_paths_are_sorted_by_what_they_are() -> None:
    assert sort_edits([ARTICLE, DAILY, "layouts/partials/footer.html", ARTICLE, "public/x.html"]) == Edits(
        documents=(ARTICLE,), facts=(DAILY,), templates=frozenset({"partials/footer.html"}))
    assert sort_edits(["site.yaml", "layouts/i18n/fr.yaml", "assets/css/site.css"]) == Edits(
        strings=True, assets=True, config=True)


def test_what_a_page_reads_is_recorded_while_it_renders(site: Path) -> None:
    from generator.render.deps import Dep

    result = render_site(BuildOptions(root=site, today=BUILD_DAY, record=True))
    assert result.rendered is not None
    article = result.rendered.records[ARTICLE_PAGE]
    assert {(Dep.TEMPLATE, "article.html"), (Dep.TEMPLATE, "base.html"), (Dep.TEMPLATE, "partials/footer.html"),
            (Dep.DOC, "fr/articles/ecrans.md", "title"), (Dep.BODY, "fr/articles/ecrans.md"),
            (Dep.STRING, "fr", "skip_link"), (Dep.SITE_PAGES, "fr"), (Dep.TAGS, "fr")} <= article
    assert not any(key[0] is Dep.DOC and key[1] == "fr/articles/annee-record.md" for key in article)
    listing = result.rendered.records["fr/articles/index.html"]
    assert (Dep.PAGE, "/fr/articles/", "items") in listing and (Dep.DOC, "fr/articles/ecrans.md", "title") in listing
    assert (Dep.DOC, "fr/articles/ecrans.md", "body") not in listing  # the list shows no body
    plain = render_site(BuildOptions(root=site, today=BUILD_DAY))
    assert plain.rendered is not None and plain.rendered.records == {}  # a build records nothing
    assert files_of(plain) == files_of(result)


def test_update_is_a_result_with_the_pages_it_made(site: Path) -> None:
    options = BuildOptions(root=site, today=BUILD_DAY, record=True)
    first = render_site(options)
    Change(ARTICLE, "Un article non traduit", "Un article, non traduit,").apply(site)
    done = apply_edits(first, options, [ARTICLE])
    assert isinstance(done, Update) and done.removed == frozenset()
    assert done.result.site is not None and done.result.rendered is not None
    assert done.result.rendered is not first.rendered and first.rendered is not None
    assert ARTICLE_PAGE in first.files and first.files[ARTICLE_PAGE].data != done.result.files[ARTICLE_PAGE].data


# -- random sequences of edits: an update always equals a full build ---------------------------------------------

import os  # noqa: E402
import re as _re  # noqa: E402

from hypothesis import HealthCheck, event, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

DOCUMENTS = ("content/fr/articles/ecrans.md", "content/fr/articles/annee-record.md", "content/en/articles/later.md",
             "content/fr/pages/aide.md", "content/fr/resources/fiche-parents.md", "content/fr/index.md",
             "content/fr/articles/brouillon.md", "content/en/articles/annee-record.md",
             "content/en/resources/parents-sheet.md")
FACTS = (DAILY, GIRLS)
TAGS = ("Famille", "ICSE", "Écrans", "Россия", "中国", "Parents")


def _front(root: Path, rel: str, key: str, value: str | None) -> None:
    """Set (or, with None, remove) a front matter key of a Markdown file."""
    path = root / rel
    text = path.read_text(encoding="utf-8")
    head, sep, body = text.partition("\n---\n")
    lines = [line for line in head.split("\n") if not line.startswith(f"{key}:")]
    if value is not None:
        lines.insert(2, f"{key}: {value}")
    path.write_text("\n".join(lines) + sep + body, encoding="utf-8")


def _edit(root: Path, kind: str, which: int, number: int) -> list[str]:
    """Make one edit an editor could make; return the paths it changed."""
    doc = DOCUMENTS[which % len(DOCUMENTS)]
    fact = FACTS[which % len(FACTS)]
    if kind == "body":
        with (root / doc).open("a", encoding="utf-8") as handle:
            handle.write(f"\nUne phrase de plus, numéro {number}.\n")
        return [doc]
    if kind == "title":
        _front(root, doc, "title", f'"Titre {number}"')
        return [doc]
    if kind == "date":
        _front(root, doc, "date", f"2022-0{1 + number % 9}-1{number % 10}")
        return [doc]
    if kind == "tags":
        _front(root, doc, "tags", "[" + ", ".join(TAGS[(number + i) % len(TAGS)] for i in range(number % 3)) + "]")
        return [doc]
    if kind == "slug":
        _front(root, doc, "slug", f"adresse-{number}" if number % 3 else None)
        return [doc]
    if kind == "draft":
        _front(root, doc, "draft", "true" if number % 2 else None)
        return [doc]
    if kind == "fact":
        path = root / fact
        text = _re.sub(r"^value: .*$", f"value: {number % 97 + 1}", path.read_text(encoding="utf-8"), count=1,
                       flags=_re.M)
        path.write_text(text.replace("fr: victimes", f"fr: {number} victimes", 1), encoding="utf-8")
        return [fact]
    if kind == "template":
        name = ("partials/footer.html", "article.html", "partials/fact-embed.html")[number % 3]
        target = root / "layouts" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():
            shutil.copy(REPO / "layouts" / name, target)
        with target.open("a", encoding="utf-8") as handle:
            handle.write(f"<!-- {number} -->\n")
        return [f"layouts/{name}"]
    if kind == "strings":
        (root / "layouts/i18n").mkdir(parents=True, exist_ok=True)
        (root / "layouts/i18n/fr.yaml").write_text(f"skip_link: Aller au texte ({number})\n", encoding="utf-8")
        return ["layouts/i18n/fr.yaml"]
    if kind == "asset":
        (root / "assets/css").mkdir(parents=True, exist_ok=True)
        target = root / "assets/css/site.css"
        if not target.exists():
            shutil.copy(REPO / "assets/css/site.css", target)
        with target.open("a", encoding="utf-8") as handle:
            handle.write(f"/* {number} */\n")
        return ["assets/css/site.css"]
    if kind == "config":
        path = root / "site.yaml"
        path.write_text(_re.sub(r"fr: Veille test[^,}]*", f"fr: Veille test {number}", path.read_text(encoding="utf-8"),
                                count=1), encoding="utf-8")
        return ["site.yaml"]
    if kind == "setting":  # one of site.yaml's switches set, or back to its default
        key, value = (("feed_entries", "1"), ("search", "false"), ("allow_html", "true"), ("csp_meta", "true"),
                      ("quick_exit_url", "https://www.example.org/"), ("publisher", "{fr: Autre, en: Other}"),
                      ("colors", '{accent: "#ffd166"}'))[which]
        path = root / "site.yaml"
        lines = [line for line in path.read_text(encoding="utf-8").split("\n") if not line.startswith(f"{key}:")]
        if number % 2:
            lines.insert(1, f"{key}: {value}")
        path.write_text("\n".join(lines), encoding="utf-8")
        return ["site.yaml"]
    if kind == "new":
        rel = f"content/fr/articles/nouveau-{number}.md"
        (root / rel).write_text(f"---\ntitle: Nouveau {number}\ndate: 2022-03-0{1 + number % 9}\ntags: [Famille]\n"
                                f"---\n\nUn nouvel article, [lié](ecrans.md).\n", encoding="utf-8")
        return [rel]
    if kind == "embed":  # a figure cited from one more page: its page lists the citing pages
        with (root / doc).open("a", encoding="utf-8") as handle:
            handle.write(f"\n{{{{< fact {Path(fact).stem} >}}}}\n")
        return [doc]
    if kind == "summary":
        _front(root, doc, "summary", f'"Résumé {number}"' if number % 3 else None)
        return [doc]
    if kind == "cites":
        _front(root, doc, "facts", f"[{Path(fact).stem}]" if number % 2 else None)
        return [doc]
    if kind == "fact-words":  # what a figure says and where it comes from
        path = root / fact
        text = path.read_text(encoding="utf-8")
        text = _re.sub(r"^  publisher: .*$", f"  publisher: Source {number}", text, count=1, flags=_re.M)
        path.write_text(_re.sub(r"^(  en: )(.*)$", rf"\g<1>{number} \g<2>", text, count=1, flags=_re.M),
                        encoding="utf-8")
        return [fact]
    if kind == "new-fact":
        rel = f"content/facts/new-figure-{number}.yaml"
        (root / rel).write_text(f"value: {number + 3}\nformat: number\nlabel: {{fr: nouveaux cas {number}, "
                                f"en: new cases {number}}}\nsource: {{publisher: Test, url: https://example.org/, "
                                f"date: 2022}}\n", encoding="utf-8")
        return [rel]
    if kind == "delete-fact":  # one made before, if any
        rel = f"content/facts/new-figure-{number}.yaml"
        if (root / rel).exists():
            (root / rel).unlink()
        return [rel]
    if kind == "help":  # a help line's number: a wrong one is the worst mistake a page can make
        path = root / "site.yaml"
        path.write_text(_re.sub(r'phone: "112"|phone: "11\d\d\d"', f'phone: "11{number}{which}0"',
                                path.read_text(encoding="utf-8"), count=1), encoding="utf-8")
        return ["site.yaml"]
    if kind == "featured":
        path = root / "site.yaml"
        chosen = ("[daily-victims]", "[share-girls]", "[share-girls, daily-victims]", "[]")[number % 4]
        path.write_text(_re.sub(r"^featured_facts: .*$", f"featured_facts: {chosen}", path.read_text(encoding="utf-8"),
                                count=1, flags=_re.M), encoding="utf-8")
        return ["site.yaml"]
    if kind == "translation":  # the French article becomes, or stops being, the translation of an English one
        _front(root, "content/fr/articles/ecrans.md", "translation_key", "articles/later" if number % 2 else None)
        return ["content/fr/articles/ecrans.md"]
    if kind == "layout":
        _front(root, doc, "layout", ("page", "article", None)[number % 3])
        return [doc]
    if kind == "warning":
        _front(root, doc, "content_warning", "true" if number % 2 else None)
        return [doc]
    if kind == "factsheet":  # its PDF made, or gone from the output
        sheet = ("content/fr/resources/fiche-parents.md", "content/en/resources/parents-sheet.md")[which % 2]
        _front(root, sheet, "factsheet", "true" if number % 2 else "false")
        return [sheet]
    if kind == "untemplate":  # the site's own copy removed: the default theme's is used again
        name = ("partials/footer.html", "article.html", "partials/fact-embed.html")[number % 3]
        target = root / "layouts" / name
        if target.exists():
            target.unlink()
        return [f"layouts/{name}"]
    if kind == "unstrings":
        target = root / "layouts/i18n/fr.yaml"
        if target.exists():
            target.unlink()
        return ["layouts/i18n/fr.yaml"]
    rel = f"content/fr/articles/nouveau-{number}.md"  # delete: one made before, if any
    if (root / rel).exists():
        (root / rel).unlink()
    return [rel]


EDIT_KINDS = ("body", "title", "date", "tags", "slug", "draft", "fact", "template", "strings", "asset", "config",
              "new", "delete", "embed", "summary", "cites", "fact-words", "new-fact", "delete-fact", "help", "featured",
              "untemplate", "unstrings", "translation", "layout", "warning", "factsheet",
              "setting")


@settings(max_examples=int(os.environ.get("VIGIE_EDIT_EXAMPLES", "12")), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(st.tuples(st.sampled_from(EDIT_KINDS), st.integers(0, 6), st.integers(0, 3)),
                      min_size=1, max_size=5))
def test_random_edits_give_what_a_full_build_gives(tmp_path_factory: pytest.TempPathFactory, warm_cache: Path,
                                                   edits: list[tuple[str, int, int]]) -> None:
    root = tmp_path_factory.mktemp("edits") / "site"
    shutil.copytree(FIXTURE_SITE, root, ignore=IGNORED)
    shutil.copytree(warm_cache, root / ".vigie-cache")
    options = BuildOptions(root=root, today=BUILD_DAY, record=True)
    good = render_site(options)
    pending: list[str] = []
    for kind, which, number in edits:  # as vigie serve does: changes since the last good build
        pending += _edit(root, kind, which, number)
        try:
            full: BuildResult | None = render_site(options)
            failure = None
        except (SiteError, SiteErrors) as err:
            full, failure = None, str(err)
        shown: list[Early] = []  # as vigie serve shows them, on every other edit
        try:
            done = apply_edits(good, options, pending, early=shown.append if number % 2 else None)
        except (SiteError, SiteErrors) as err:
            assert failure == str(err), (kind, which, number)
            event(f"{kind}: an error, as in a full build")
            continue
        assert done is not None and failure is None and full is not None, (kind, failure)
        final = files_of(done.result)
        assert final == files_of(full), (kind, which, number)
        for early in shown:  # the pages shown before the cards and sheets: only what was said pending differs
            assert differs_after(early, final) <= early.pending, (kind, which, number)
            event(f"{kind}: pages shown early")
        event(f"{kind}: updated")
        good, pending = done.result, []
