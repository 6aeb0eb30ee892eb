"""The occupancy chart's coordinates are SVG numbers in every language: Azerbaijani and Russian
write decimals with a comma, which broke the chart in those languages."""
import re

import pytest
from django.template.loader import render_to_string
from django.utils import translation


@pytest.mark.parametrize("language", ["az", "ru", "en"])
def test_coordinates_never_take_the_decimal_comma(language):
    chart = {"width": 640, "height": 220, "left": 40, "right": 630, "bottom": 190, "capacity_y": 57.5,
             "total_beds": 12, "y_ticks": [{"value": 4, "y": 120.3}], "x_ticks": [{"x": 97.7, "label": "1.12"}],
             "lines": [{"group": "women", "points": "40.0,190.0 97.7,120.3", "colour": "#1f5fa8", "last": 4}]}
    with translation.override(language):
        html = render_to_string("assistance/_occupancy_chart.html", {"chart": chart})
    svg = html[html.index("<svg"):html.index("</svg>")]
    coordinates = re.findall(r'\b(?:x|y|x1|x2|y1|y2)="([^"]*)"', svg)
    assert "120.3" in coordinates and "57.5" in coordinates and "97.7" in coordinates
    assert not [c for c in coordinates if "," in c]
