"""Occupancy over time as a server-rendered SVG line chart: no JavaScript, no CDN, no inline style.

`occupancy_chart(history)` returns the geometry the template `assistance/_occupancy_chart.html`
draws: one polyline per group, the capacity as a dashed line, axis ticks. Colours are SVG
presentation attributes (allowed by the Content-Security-Policy, unlike style="").
"""
from django.utils import formats

WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 40, 12, 12, 28
COLOURS = {"women": "#b02a37", "men": "#0a58ca", "children": "#198754", "total": "#212529"}


def occupancy_chart(history):
    """history: {"days": [date, ...], "series": {group: [count, ...]}, "beds": {group: beds}}."""
    days = history["days"]
    series = history["series"]
    total_beds = sum(history["beds"].values())
    top_value = max([total_beds, 1] + [max(values or [0]) for values in series.values()])
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    n = max(len(days) - 1, 1)

    def x(i):
        return round(LEFT + plot_w * i / n, 1)

    def y(value):
        return round(TOP + plot_h * (1 - value / top_value), 1)

    lines = []
    for group, values in series.items():
        points = " ".join(f"{x(i)},{y(v)}" for i, v in enumerate(values))
        lines.append({"group": group, "points": points, "colour": COLOURS.get(group, "#6c757d"),
                      "last": values[-1] if values else 0})
    step = max(1, top_value // 4)
    y_ticks = [{"value": v, "y": y(v)} for v in range(0, top_value + 1, step)]
    x_ticks = []
    if days:
        for i in sorted({0, len(days) // 3, 2 * len(days) // 3, len(days) - 1}):
            x_ticks.append({"x": x(i), "label": formats.date_format(days[i], "SHORT_DATE_FORMAT")})
    return {
        "width": WIDTH, "height": HEIGHT, "left": LEFT, "right": WIDTH - RIGHT, "top": TOP,
        "bottom": HEIGHT - BOTTOM, "lines": lines, "y_ticks": y_ticks, "x_ticks": x_ticks,
        "capacity_y": y(total_beds), "total_beds": total_beds,
    }
