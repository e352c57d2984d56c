"""common.forms.BlankFormCache: a blank form's HTML is rendered once, and only a blank form's."""

from pathlib import Path

from django.template import engines
from django.utils.autoreload import file_changed

from common import forms as common_forms
from orders.forms import MessageForm, RequirementsForm


def _uncached(form):
    return super(common_forms.BlankFormCache, form).render()


def test_a_blank_form_is_rendered_once_and_the_same_as_without_the_cache(monkeypatch):
    common_forms._BLANK_HTML.clear()
    calls = []
    original = common_forms.forms.Form.render

    def counting(self, *args, **kwargs):
        calls.append(type(self))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(common_forms.forms.Form, "render", counting)
    first, second = str(MessageForm()), str(MessageForm())
    assert first == second == _uncached(MessageForm())
    assert (
        calls.count(MessageForm) == 2
    )  # the first str() and the uncached reference; the second came from the cache
    template = engines["django"].from_string("{{ form }}")
    assert template.render({"form": RequirementsForm()}) == _uncached(RequirementsForm())
    assert 'name="text"' in first and 'id="id_text"' in first


def test_a_bound_form_a_prefix_or_initial_values_render_as_usual():
    common_forms._BLANK_HTML.clear()
    blank = str(RequirementsForm())
    bound = RequirementsForm({"text": ""})
    assert not bound.is_valid()
    html = str(bound)
    assert html != blank and "errorlist" in html and "has-error" in html
    kept = str(RequirementsForm({"text": "Blue and <b>bold</b>"}))
    assert "Blue and &lt;b&gt;bold&lt;/b&gt;" in kept
    assert 'name="brief-text"' in str(RequirementsForm(prefix="brief"))
    assert "A first line" in str(RequirementsForm(initial={"text": "A first line"}))
    assert str(RequirementsForm()) == blank  # the others did not change what the blank form shows


def test_an_edited_template_is_seen_at_once_under_runserver():
    str(MessageForm())
    assert common_forms._BLANK_HTML
    file_changed.send(sender=None, file_path=Path("templates/components/field.html"))
    assert not common_forms._BLANK_HTML
