"""Figure embeds: harmless spacing is accepted, near misses are errors with the line and the right form,
an unknown id suggests the ids it is close to, and code shows the syntax literally."""

from __future__ import annotations

import pytest

from generator.render.markup import RenderEnv, make_markdown, render_markdown

FACTS = ("victimes-identifiees", "victimes-par-jour", "signalements")


def _render(body: str, facts: tuple[str, ...] = FACTS) -> tuple[str, list[tuple[int | None, str]]]:
    env = RenderEnv(source="content/fr/articles/a.md", body_line=5,
                    fact_html=lambda fact_id: f'<figure data-fact="{fact_id}"></figure>' if fact_id in facts else None,
                    resolve_link=lambda target: None, fact_ids=facts)
    html = render_markdown(make_markdown(allow_html=False), body, env)
    return html, [(err.line, err.message) for err in env.errors]


@pytest.mark.parametrize("written", [
    "{{< fact signalements >}}",
    "{{<fact signalements>}}",
    "{{<  fact   signalements  >}}",
    "{{ < fact signalements > }}",
    "{{< fact signalements >}}   ",
])
def test_harmless_spacing_is_an_embed(written: str) -> None:
    html, errors = _render(f"Texte.\n\n{written}\n\nSuite.\n")
    assert errors == []
    assert '<figure data-fact="signalements"></figure>' in html and "{{" not in html


@pytest.mark.parametrize(("written", "message"), [
    ("{{ fact signalements }}", "'{{ fact signalements }}' is not quite a figure embed; write {{< fact signalements >}}"),
    ("{{% fact signalements %}}",
     "'{{% fact signalements %}}' is not quite a figure embed; write {{< fact signalements >}}"),
    ("{{< fact signalements}}", "'{{< fact signalements}}' is not quite a figure embed; write {{< fact signalements >}}"),
    ("{{< fact signalements >}", "'{{< fact signalements >}' is not quite a figure embed; write {{< fact signalements >}}"),
    ("{% fact signalements %}", "'{% fact signalements %}' is not quite a figure embed; write {{< fact signalements >}}"),
    ("{{fact signalements}}", "'{{fact signalements}}' is not quite a figure embed; write {{< fact signalements >}}"),
    ('{{< fact "signalements" >}}', "no quotes: {{< fact signalements >}}"),
    ("{{< fact id=signalements >}}", "no quotes: {{< fact signalements >}}"),
])
def test_a_near_miss_is_an_error_with_the_right_form(written: str, message: str) -> None:
    html, errors = _render(f"Texte.\n\n{written}\n")
    assert len(errors) == 1
    line, said = errors[0]
    assert line == 7 and message in said


def test_braces_written_as_entities_are_read_as_braces() -> None:
    """The text markdown-it makes of ``&#123;`` is a brace: such a near miss is said too, at its line."""
    _, errors = _render("Texte.\n\n&#123;&#123; fact signalements }}\n")
    assert [(line, "is not quite a figure embed" in said) for line, said in errors] == [(7, True)]


def test_a_near_miss_inside_a_sentence_names_its_own_line() -> None:
    _, errors = _render("Texte.\n\nUne phrase\navec {{% fact signalements %}} dedans\net {{< fact signalements >}} là.\n")
    assert [line for line, _ in errors] == [8, 9]
    assert "write {{< fact signalements >}} on a line of its own" in errors[0][1]
    assert errors[1][1].startswith("a figure embed {{< fact ID >}} must stand alone on a line of its own")


@pytest.mark.parametrize("body", ["## {{< fact signalements >}}\n", "| a |\n| - |\n| {{< fact signalements >}} |\n",
                                  "Voir [{{< fact signalements >}}](https://example.org).\n"])
def test_a_right_embed_outside_a_line_of_its_own_must_stand_alone(body: str) -> None:
    html, errors = _render(body)
    assert len(errors) == 1 and errors[0][1].startswith("a figure embed {{< fact ID >}} must stand alone")
    assert errors[0][0] == (7 if body.startswith("|") else 5)


@pytest.mark.parametrize(("fact_id", "suggestion"), [
    ("victimes-identifies", "did you mean 'victimes-identifiees'?"),
    ("signalement", "did you mean 'signalements'?"),
    ("victimes", "did you mean "),
])
def test_an_unknown_id_suggests_the_nearest_known_ones(fact_id: str, suggestion: str) -> None:
    _, errors = _render(f"{{{{< fact {fact_id} >}}}}\n")
    assert errors == [(5, errors[0][1])]
    assert errors[0][1].startswith(f"unknown fact '{fact_id}': there is no content/facts/{fact_id}.yaml")
    assert suggestion in errors[0][1]


def test_punctuation_after_an_embed_is_named() -> None:
    _, errors = _render("{{< fact signalements >}}.\n")
    assert errors == [(5, "a figure embed stands alone on its line: remove '.' after {{< fact signalements >}}")]


def test_an_unknown_id_far_from_every_known_one_suggests_nothing() -> None:
    _, errors = _render("{{< fact xyz >}}\n")
    assert errors == [(5, "unknown fact 'xyz': there is no content/facts/xyz.yaml")]


def test_an_article_documenting_the_syntax_shows_it_literally() -> None:
    body = ("Écrivez `{{< fact ID >}}` (et non `{{ fact ID }}` ni `{{% fact ID %}}`) :\n\n"
            "```\n{{< fact signalements >}}\n{{% fact inconnu %}}\n{{ fact inconnu }}\n```\n\n"
            "    {{< fact inconnu >}}\n    {{ fact inconnu }}\n\n"
            "~~~markdown\n{{< fact inconnu}}\n~~~\n")
    html, errors = _render(body)
    assert errors == []
    assert "data-fact" not in html
    for shown in ("<code>{{&lt; fact ID &gt;}}</code>", "<code>{{ fact ID }}</code>", "<code>{{% fact ID %}}</code>",
                  "{{&lt; fact signalements &gt;}}\n{{% fact inconnu %}}\n{{ fact inconnu }}\n</code></pre>",
                  "{{&lt; fact inconnu &gt;}}\n{{ fact inconnu }}\n</code></pre>", "{{&lt; fact inconnu}}\n</code>"):
        assert shown in html


def test_text_with_braces_that_is_no_embed_is_left_alone() -> None:
    html, errors = _render("Un ensemble {a, b} et des {{accolades}}, un fait {établi}, un {fact établi}.\n")
    assert errors == [] and "{{accolades}}" in html


def test_an_unclosed_embed_is_a_near_miss_and_its_first_word_the_id() -> None:
    _, errors = _render("{{< fact signalements\n\n{{ fact signalements en 2022 }}\n")
    assert errors == [(5, "'{{< fact signalements' is not quite a figure embed; write {{< fact signalements >}}"),
                      (7, "'{{ fact signalements en 2022 }}' is not quite a figure embed; write "
                          "{{< fact signalements >}}")]
