"""Classroom: a teacher creates a class, sets its exercise and shows the board on the projector (?present=1);
students join with the class code (?join=CODE) and a display name, and see their rank and the class's spread."""
import streamlit as st

from appkit import page
from appkit.i18n import tr

# the projector view draws its own large heading (the class, the join link) instead of the page's
page.setup("Classroom", None if st.query_params.get("present") == "1" else "classroom.title")
from appkit import classroom_board, classroom_teacher, classroom_views

teaching = classroom_teacher.teaching()  # a teacher link's key is checked (and leaves the address bar) here
present = st.query_params.get("present") == "1"

if present and teaching is not None:
    classroom_board.projector()
    st.button(tr("classroom.present_leave"), key="class_present_leave", icon=":material/close:", type="tertiary",
              on_click=st.query_params.pop, args=("present", None))
    classroom_board.live_board(*teaching)
    st.stop()

if present:  # the projector view without this session teaching the class: the page's own heading after all
    st.title(tr("classroom.title"))
st.markdown(tr("classroom.intro"))
if present:
    st.warning(tr("classroom.present_needs_key"), icon=":material/key:")
if teaching is not None:
    classroom_teacher.teacher_view(*teaching)
else:
    student, teacher = st.tabs([tr("classroom.tab_student"), tr("classroom.tab_teacher")])
    with student:
        classroom_views.student_view()
    with teacher:
        classroom_teacher.start_view()
