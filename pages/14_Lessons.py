"""Lessons: ten guided experiments, each a concept with its math, a prediction to commit to, a short live run
on the 8×8 digits and an explanation of what happened, with a link to the full page for free exploration."""
import streamlit as st

from aelib.i18n import page_slug
from appkit import page
from appkit.i18n import tr

page.setup("Lessons", "lessons.title")
from appkit import lesson_views, share_views

LINKS = {path: label for path, label, _ in page.PAGES}

st.markdown(tr("lessons.intro", n=len(lesson_views.LESSONS)))
lesson = lesson_views.choose_lesson()  # ?lesson=N, a shared link's one setting, is applied here
share_views.page_share_expander("pages/14_Lessons.py")
key = f"lesson.{lesson.id}"

st.header(tr(f"{key}.title"))
st.markdown(tr(f"{key}.concept"))
st.subheader(tr("lessons.math"))
for formula in lesson.formulas:
    st.latex(formula)
st.subheader(tr("lessons.experiment"))
st.markdown(tr(f"{key}.setup"))

st.subheader(tr("lessons.predict"))
with st.container(border=True):
    lesson_views.predict(lesson)
lesson_views.run_requested(lesson)
lesson_views.show_error()
lesson_views.show_result(lesson)

st.divider()
st.page_link(lesson.page, icon=":material/science:",
             label=tr("lessons.explore", page=tr(f"page.{page_slug(LINKS[lesson.page])}")))
