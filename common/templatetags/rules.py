"""`{% rule "orders.ACCEPT_HOURS" %}`: a number of an app's rules.py in a template, so a text never restates it.
A builtin (settings TEMPLATES), available in every template without `{% load %}`."""

from importlib import import_module

from django import template

register = template.Library()


@register.simple_tag
def rule(name):
    app, _, constant = name.partition(".")
    return getattr(import_module(f"{app}.rules"), constant)
