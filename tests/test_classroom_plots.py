"""The class board's small multiples (aelib.classroom.plots.latent_panels): one trace per student's panel however
many classes its data has (the projector redraws them every few seconds), each point in its class's app-wide colour,
a legend entry per class, and one axes range for every panel."""
import numpy as np

from aelib.classroom.plots import latent_panels
from aelib.plots import style


def test_a_class_of_thirty_is_thirty_traces_each_point_in_its_class_colour():
    rng = np.random.default_rng(0)
    panels = [(f"{i + 1}. <b>Student</b> {i:02d}", rng.normal(size=(300, 2 + i % 3)), rng.integers(0, 10, 300))
              for i in range(30)]
    fig = latent_panels(panels, [f"digit {c}" for c in range(10)], lang="en", big=True)
    points, legend = fig.data[:30], fig.data[30:]
    assert len(points) == 30 and [t.name for t in legend] == [f"digit {c}" for c in range(10)]
    assert not any(t.showlegend is False for t in legend) and all(t.showlegend is False for t in points)
    assert {(t.xaxis, t.yaxis) for t in points} == {(f"x{i}" if i > 1 else "x", f"y{i}" if i > 1 else "y")
                                                    for i in range(1, 31)}
    for (_, _, labels), t in zip(panels, points):
        stops = dict((round(v * (len(t.marker.colorscale) - 1)), colour) for v, colour in t.marker.colorscale)
        colours = [stops[int(v)] for v in np.asarray(t.marker.color)]
        assert (t.marker.cmin, t.marker.cmax) == (0, len(stops) - 1) and len(colours) == len(t.x) == 200
        assert colours == [style(int(c))[0] for c in labels[:200]]  # 6000 points over 30 panels
        assert list(t.text) == [f"digit {c}" for c in labels[:200]]
    layout = fig.to_dict()["layout"]
    ranges = {tuple(v["range"]) for k, v in layout.items() if k.startswith(("xaxis", "yaxis"))}
    assert len(ranges) == 1  # one scale for every student
    assert layout["annotations"][0]["text"] == "1. &lt;b&gt;Student&lt;/b&gt; 00"  # a name shows as typed
