"""The main menu in a few groups (a supervisor has some fifteen items: in one row they wrap).

    {% navgroup "cases" _("Cases") %}{% include "referrals/_nav.html" %}…{% endnavgroup %}

renders the items the apps' navigation includes give (each a `<li class="nav-item">`) as a Bootstrap
dropdown, or nothing when the user has none of them. A group holding a badge (work waiting) shows a dot.
"""
from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

register = template.Library()


class NavGroupNode(template.Node):
    def __init__(self, key, label, nodelist):
        self.key, self.label, self.nodelist = key, label, nodelist

    def render(self, context):
        items = self.nodelist.render(context)
        if "<li" not in items:
            return ""
        key = self.key.resolve(context)
        label = self.label.resolve(context)
        dot = ""
        if "badge" in items:
            dot = format_html(' <span class="nav-dot" aria-hidden="true"></span><span class="visually-hidden">{}</span>',
                              _("(work waiting)"))
        return format_html(
            '<li class="nav-item dropdown" data-nav-group="{key}">'
            '<a class="nav-link dropdown-toggle" href="#" id="nav-{key}" role="button" data-bs-toggle="dropdown" '
            'aria-expanded="false">{label}{dot}</a>'
            '<ul class="dropdown-menu dropdown-menu-dark nav-group-menu" aria-labelledby="nav-{key}">{items}</ul></li>',
            key=key, label=label, dot=dot, items=mark_safe(items))  # noqa: S308 - the apps' own rendered templates


@register.tag
def navgroup(parser, token):
    bits = token.split_contents()
    if len(bits) != 3:
        raise template.TemplateSyntaxError("navgroup takes a key and a label")
    nodelist = parser.parse(("endnavgroup",))
    parser.delete_first_token()
    return NavGroupNode(parser.compile_filter(bits[1]), parser.compile_filter(bits[2]), nodelist)
