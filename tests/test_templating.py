"""Templates run in Jinja's sandbox by default: same bytes, fewer ways out to Python."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import jinja2
import jinja2.sandbox
import pytest

from conftest import BUILD_DAY, REPO, build_copy
from generator.build import BuildOptions, render_site
from generator.core.errors import SiteError, SiteErrors
from generator.render.templating import SANDBOX_VARIABLE, make_environment
from support import load_site, make_config, render_page, render_pages

ARTICLE = "/en/articles/later/"


def messages(err: SiteError | SiteErrors) -> list[str]:
    items = err.errors if isinstance(err, SiteErrors) else [err]
    return [f"{item.location()}: {item.message}" for item in items]


def with_article_layout(site: Path, main: str) -> None:
    (site / "layouts").mkdir(exist_ok=True)
    (site / "layouts/article.html").write_text(
        '{% extends "base.html" %}{% block main %}<p class="custom">' + main + "</p>{% endblock %}\n",
        encoding="utf-8")


def test_templates_are_sandboxed_unless_the_variable_says_0(monkeypatch: pytest.MonkeyPatch) -> None:
    config = make_config()
    monkeypatch.delenv(SANDBOX_VARIABLE, raising=False)
    assert isinstance(make_environment(config), jinja2.sandbox.SandboxedEnvironment)
    monkeypatch.setenv(SANDBOX_VARIABLE, "1")
    assert isinstance(make_environment(config), jinja2.sandbox.SandboxedEnvironment)
    monkeypatch.setenv(SANDBOX_VARIABLE, "0")
    env = make_environment(config)
    assert not isinstance(env, jinja2.sandbox.SandboxedEnvironment) and not env.sandboxed
    assert make_environment(config, sandboxed=True).sandboxed


def test_the_sandbox_changes_no_byte_of_the_site(site_src: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def files(sandbox: str) -> dict[str, bytes]:
        monkeypatch.setenv(SANDBOX_VARIABLE, sandbox)
        result = render_site(BuildOptions(root=site_src, today=BUILD_DAY, use_cache=False))
        assert result.rendered is not None and result.rendered.contexts.env.sandboxed is (sandbox == "1")
        return {path: item.data for path, item in result.files.items()}

    sandboxed, plain = files("1"), files("0")
    assert len(sandboxed) > 50 and sandboxed.keys() == plain.keys()
    assert [path for path in sandboxed if sandboxed[path] != plain[path]] == []


@pytest.mark.parametrize(("expression", "said"), [
    ("{{ page.__class__ }}", "access to attribute '__class__' of 'Page' object is unsafe"),
    ("{{ t.__closure__ }}", "access to attribute '__closure__' of 'function' object is unsafe"),
    ("{{ asset.__globals__ }}", "access to attribute '__globals__' of 'function' object is unsafe"),
    ("{{ absolute.__globals__ }}", "access to attribute '__globals__' of 'function' object is unsafe"),
    ("{{ ''.__class__.__mro__ }}", "access to attribute '__class__' of 'str' object is unsafe"),
    ('{{ "{0.__class__}".format(page) }}', "access to attribute '__class__' of 'Page' object is unsafe"),
    ("{{ range(10 ** 7) | length }}", "Range too big"),
])
def test_a_layout_cannot_reach_python_s_internals(site_src: Path, monkeypatch: pytest.MonkeyPatch,
                                                  expression: str, said: str) -> None:
    with_article_layout(site_src, expression)
    site = load_site(site_src)
    monkeypatch.delenv(SANDBOX_VARIABLE, raising=False)
    with pytest.raises((SiteError, SiteErrors)) as refused:
        render_pages(site)  # every page: only the articles use this layout
    found = messages(refused.value)
    assert found and all(line.startswith("layouts/article.html:1: template error: ") for line in found), found
    assert any(said in line for line in found), found
    # the same layout renders outside the sandbox: the test is about the sandbox, not the expression
    monkeypatch.setenv(SANDBOX_VARIABLE, "0")
    render_pages(site)


def test_what_the_default_theme_and_jinja_offer_still_works_in_the_sandbox(
        site_src: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SANDBOX_VARIABLE, raising=False)
    with_article_layout(site_src, '{{ "{}|{}".format(page.doc.title, t("nav.articles")) }}|'
                                  '{% for i in range(3) %}{{ loop.index }}{% endfor %}|'
                                  '{{ page.doc.title | upper }}|{{ format_date(page.doc.date) }}')
    page = render_page(load_site(site_src), ARTICLE)
    assert '<p class="custom">Coming later|Articles|123|COMING LATER|' in page


def unsafe() -> str:
    return "called"


unsafe.unsafe_callable = True  # type: ignore[attr-defined]


def plain_function() -> str:
    return "called"


def test_the_short_road_for_plain_functions_comes_after_the_sandbox_s_checks() -> None:
    # `unsafe` is a plain function, the kind the context calls without Jinja's pass_context checks:
    # in the sandbox it must still be refused, outside it called.
    config = make_config()
    sandboxed, plain = make_environment(config, sandboxed=True), make_environment(config, sandboxed=False)
    context: dict[str, Any] = {"f": unsafe, "g": plain_function}
    with pytest.raises(jinja2.exceptions.SecurityError, match="is not safely callable"):
        sandboxed.from_string("{{ f() }}").render(context)
    assert sandboxed.from_string("{{ g() }}").render(context) == "called"
    assert plain.from_string("{{ f() }}").render(context) == "called"


class Holder:
    def __init__(self, value: Any) -> None:
        self.value = value


def test_the_short_road_for_attributes_a_page_read_before_still_wraps_a_format_method() -> None:
    # The sandbox keeps its verdict on (type, attribute); a value that is a string's format method must
    # still be wrapped on every reading, or its placeholders reach what the sandbox hides.
    sandboxed = make_environment(make_config(), sandboxed=True)
    plain = Holder("plain")
    assert sandboxed.from_string("{{ a.value }}{{ b.value }}").render(a=plain, b=Holder("again")) == "plainagain"
    leaking = Holder("{0.__class__}".format)
    with pytest.raises(jinja2.exceptions.SecurityError, match="__class__"):
        sandboxed.from_string("{{ a.value }}{{ b.value(a) }}").render(a=plain, b=leaking)
    assert sandboxed.from_string("{{ b.value(a) }}").render(a=plain, b=Holder("{0.value}".format)) == "plain"


def test_a_template_cannot_read_the_builder_s_files_through_a_path(site_src: Path) -> None:
    (site_src / "layouts").mkdir(exist_ok=True)
    (site_src / "layouts/article.html").write_text("{{ config.root.joinpath('site.yaml').read_text() }}\n",
                                                   encoding="utf-8")
    with pytest.raises((SiteError, SiteErrors)) as info:
        render_pages(load_site(site_src))
    assert "layouts/article.html:1" in str(info.value) and "unsafe" in str(info.value)


def test_a_figure_embed_in_a_text_a_layout_gives_to_markdown_is_a_template_error_at_its_line(site_src: Path) -> None:
    # Figures are embedded in a page's body only; elsewhere the figure cannot be looked up (it was a KeyError).
    with_article_layout(site_src, '{{ markdown("{" ~ "{< fact daily-victims >}}") }}')
    with pytest.raises((SiteError, SiteErrors)) as refused:
        render_pages(load_site(site_src))
    found = messages(refused.value)
    assert found and all(line.startswith("layouts/article.html:1: template error: ") for line in found), found
    assert all("figure embeds ({{< fact ID >}}) work in the body of a Markdown page only" in line
               for line in found), found


def test_a_missing_template_is_named_by_the_template_and_line_that_asks_for_it(site_src: Path) -> None:
    # An import in a partial the article layout includes was blamed on the article layout, without a line.
    with_article_layout(site_src, '{% include "partials/extra.html" %}')
    (site_src / "layouts/partials").mkdir()
    (site_src / "layouts/partials/extra.html").write_text('<p>extra</p>\n{% import "partials/macros.html" as m %}\n',
                                                           encoding="utf-8")
    with pytest.raises((SiteError, SiteErrors)) as refused:
        render_pages(load_site(site_src))
    found = messages(refused.value)
    assert found and all(line == "layouts/partials/extra.html:2: no template 'partials/macros.html' in layouts/ "
                                 "(nor in the default theme)" for line in found), found


def test_a_help_number_never_ends_a_line_between_its_groups(site_src: Path, tmp_path: Path) -> None:
    # "+34 91 123 45" above "67" in a call button on a phone: its spaces are no-break spaces. Its hyphens stay
    # as written: a WORD JOINER after them hid "7890" of "3456-7890" from the search.
    config = site_src / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace('phone: "112"', 'phone: "+55 (11) 3456-7890"'),
                      encoding="utf-8")
    _result, out = build_copy(site_src, tmp_path)
    shown = []
    for page in ("fr/index.html", "en/help/index.html", "fr/aide/index.html"):
        html = (out / page).read_text(encoding="utf-8")
        shown += re.findall("\u2066([^\u2069]*3456[^\u2069]*)\u2069", html)
    assert shown and set(shown) == {"+55\u00a0(11)\u00a03456-7890"}, shown


def test_a_ui_string_a_template_asks_for_by_a_wrong_name_is_named_at_the_template_s_line(site_src: Path) -> None:
    # Blamed layouts/i18n/en.yaml and fr.yaml ("missing UI string; add it to this file"), files not in the site.
    from generator.core.errors import SiteErrors

    layouts = site_src / "layouts"
    layouts.mkdir(exist_ok=True)
    lines = (REPO / "layouts/article.html").read_text(encoding="utf-8").splitlines(keepends=True)
    (layouts / "article.html").write_text("".join(lines[:2]) + '{{ t("inexistant.cle") }}\n' + "".join(lines[2:]),
                                          encoding="utf-8")
    with pytest.raises(SiteErrors) as caught:
        render_site(BuildOptions(root=site_src, today=BUILD_DAY))
    assert {(e.source, e.line) for e in caught.value.errors} == {("layouts/article.html", 3)}
    assert all("unknown UI string 'inexistant.cle'" in e.message for e in caught.value.errors)


@pytest.mark.parametrize(("template", "french"), [
    ("{{ auteur }}", "'auteur' n'est pas défini : aucune variable ni fonction de ce nom n'arrive à ce gabarit"),
    ("{{ titre|majuscules }}", "pas de filtre nommé 'majuscules'"),
    ("{% if page %}x", "le gabarit se termine avant que le bloc 'if' soit fermé : il manque 'elif' / 'else' / 'endif'"),
    ("{{ page {", "'end of print statement' attendu, trouvé '{'"),
    ("{% endif %}", "balise inconnue 'endif' (ou sans le bloc qui l'ouvre)"),
    ('{% extends "base.html" %}{% block main %}{% if page %}\n{% endblock %}',
     "'endblock' trouvé alors que le bloc 'if' est encore ouvert : il manque 'elif' / 'else' / 'endif' avant"),
    ('{{ t("nav.help" }}', "')' attendu, trouvé '}'"),
    ("{{ 1 / 0 }}", "division par zéro"),
    ("{{ config.nothing }}", "SiteConfig object n'a pas d'attribut 'nothing'"),
])
def test_jinja_s_words_for_a_template_mistake_reach_a_french_editor_in_french(template: str, french: str,
                                                                              site_src: Path) -> None:
    # "erreur de gabarit : 'auteur' is undefined", "No filter named 'majuscules'.": English in a French line.
    from generator.core import messages
    from generator.core.errors import SiteErrors

    layouts = site_src / "layouts"
    layouts.mkdir(exist_ok=True)
    (layouts / "article.html").write_text(template + "\n", encoding="utf-8")
    try:
        messages.activate("fr")
        with pytest.raises(SiteErrors) as caught:
            render_site(BuildOptions(root=site_src, today=BUILD_DAY))
    finally:
        messages.activate("en")
    assert {e.source for e in caught.value.errors} == {"layouts/article.html"}
    assert all(e.message.endswith(french) for e in caught.value.errors), caught.value.errors


def test_a_block_a_layout_defines_inside_another_is_one_the_layouts_below_it_may_fill(site_src: Path) -> None:
    # A three-level chain, article.html → wrapper.html → base.html, where wrapper.html defines 'inner' inside
    # 'main': ordinary Jinja, refused as "the block 'inner' is not one of base.html's".
    (site_src / "layouts").mkdir()
    (site_src / "layouts/wrapper.html").write_text(
        '{% extends "base.html" %}\n{% block main %}<div class="wrap">{% block inner %}{% endblock %}</div>'
        "{% endblock %}\n", encoding="utf-8")
    (site_src / "layouts/article.html").write_text(
        '{% extends "wrapper.html" %}{% block inner %}<p class="inner">{{ page.doc.title }}</p>{% endblock %}\n',
        encoding="utf-8")
    pages = render_pages(load_site(site_src))
    articles = [html for path, html in pages.items() if "/articles/" in path and path.count("/") > 3]
    assert articles and all('<div class="wrap"><p class="inner">' in html for html in articles)


def test_a_layout_that_extends_itself_is_said_so_and_nothing_else(site_src: Path) -> None:
    # Its blocks were reported missing ('description', 'title') before the real mistake.
    (site_src / "layouts").mkdir()
    (site_src / "layouts/base.html").write_text('{% extends "base.html" %}{% block main %}x{% endblock %}\n',
                                                encoding="utf-8")
    with pytest.raises((SiteError, SiteErrors)) as refused:
        render_pages(load_site(site_src))
    found = set(messages(refused.value))
    assert found and all("extends itself" in line for line in found), found


def test_a_block_lost_from_a_site_s_own_chain_is_said_at_the_layout_it_belongs_in(site_src: Path) -> None:
    # base.html extends skel.html, and skel.html lost 'main': the message named base.html.
    (site_src / "layouts").mkdir()
    (site_src / "layouts/skel.html").write_text(
        "<!DOCTYPE html><html><head><title>{% block title %}{% endblock %}</title>"
        '<meta name="description" content="{% block description %}{% endblock %}">'
        "{% block extra_alternates %}{% endblock %}</head><body></body></html>\n", encoding="utf-8")
    (site_src / "layouts/base.html").write_text('{% extends "skel.html" %}\n', encoding="utf-8")
    with pytest.raises((SiteError, SiteErrors)) as refused:
        render_pages(load_site(site_src))
    assert set(messages(refused.value)) == {
        "layouts/skel.html: skel.html has no block 'main', which the default theme's pages fill: Jinja leaves it "
        "out, and those pages show nothing of it; put {% block main %}{% endblock %} back in skel.html where it goes"}


def test_a_block_in_a_macro_is_the_macro_s_own(site_src: Path) -> None:
    # Refused as "not one of base.html's", though Jinja renders it with the macro.
    with_article_layout(site_src, "")
    (site_src / "layouts/article.html").write_text(
        '{% extends "base.html" %}\n{% macro box() %}<div class="box">{% block inmacro %}m{% endblock %}'
        "{{ caller() }}</div>{% endmacro %}\n"
        "{% block main %}{% call box() %}<p>{{ page.doc.title }}</p>{% endcall %}{% endblock %}\n", encoding="utf-8")
    pages = render_pages(load_site(site_src))
    assert any('<div class="box">m<p>' in html for html in pages.values())


def test_templates_compiled_once_per_process_still_have_their_blocks_checked_and_their_edits_seen(
        site_src: Path) -> None:
    # A second build in one process (as `vigie serve` after a site.yaml change) takes the compiled templates
    # from the first: a misspelt block must be refused again, and an edited template compiled anew.
    (site_src / "layouts").mkdir()
    article = site_src / "layouts/article.html"
    article.write_text('{% extends "base.html" %}{% block mian %}x{% endblock %}\n', encoding="utf-8")
    for _build in range(2):
        with pytest.raises((SiteError, SiteErrors)) as refused:
            render_site(BuildOptions(root=site_src, today=BUILD_DAY))
        assert any("the block 'mian' is not one of base.html's" in line for line in messages(refused.value))
    article.write_text('{% extends "base.html" %}{% block main %}<p class="edited">x</p>{% endblock %}\n',
                       encoding="utf-8")
    pages = render_pages(load_site(site_src))
    assert any('<p class="edited">x</p>' in html for path, html in pages.items() if "/articles/" in path)
