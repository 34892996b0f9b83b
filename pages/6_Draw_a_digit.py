"""Draw a digit and see what your model makes of it: the 28×28 it sees, its reconstruction, where its code
lands among the test samples, how unusual it is, and the training digits it is closest to."""
import streamlit as st

from appkit import page
from appkit.i18n import tr

page.setup("Draw a digit", "draw.title")
from streamlit_drawable_canvas import st_canvas  # a Streamlit component: import it only in a page

from appkit import draw_views, share_views, widgets

share_views.apply_page_link("pages/6_Draw_a_digit.py")  # a link has nothing to set here: it says what it ignored

run = widgets.require_run()
ds = widgets.run_dataset(run)
widgets.run_caption(run)
share_views.page_share_expander("pages/6_Draw_a_digit.py")
if not draw_views.is_drawable(ds):
    st.info(tr("draw.not_drawable", dataset=run.dataset, shape=" × ".join(map(str, ds.shape))))
    st.page_link("pages/1_Train.py", label=tr("draw.go_train"), icon=":material/model_training:")
    st.stop()

left, right = st.columns([1, 2], gap="large")
with left:
    st.markdown(tr("draw.instructions"))
    canvas = st_canvas(stroke_width=22, stroke_color="#FFFFFF", background_color="#000000", height=280,  # no-i18n
                       width=280, drawing_mode="freedraw", return_image_data=True, key="draw_canvas")
    label = None
    if draw_views.needs_label(run):  # a conditional model decodes a code *and* a class
        label = st.selectbox(tr("draw.which_digit"), range(len(ds.class_names)), key="draw_label",
                             format_func=lambda i: ds.class_names[i], help=tr("draw.which_digit_help"))
with right:
    draw_views.show_reading(run, ds, canvas.image_data, label)
