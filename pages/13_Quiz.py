"""Quiz: the interview canon on autoencoders, one question at a time (multiple choice, or a number to type), with
immediate feedback, an explanation for every option and a running score; predict-then-observe items link to their
experiment; the glossary of the terms both languages use closes the page."""
import streamlit as st

from aelib.i18n import page_slug
from appkit import i18n, page
from appkit.i18n import tr

page.setup("Quiz", "quiz.title")
from aelib.teach import glossary, quiz
from appkit import classroom_views, quiz_store, share_views

lang = i18n.current_lang()
ANSWERS, POS, CHOICE = "quiz_answers", "quiz_pos", "quiz_choice_"  # session keys; answers: question id -> option
NUMBER = "quiz_number_"  # a numeric item's input; its answer is the number typed
LINKS = {label: path for path, label, _ in page.PAGES}


def go(to: int) -> None:
    st.session_state[POS] = to


def check(qid: str, numeric: bool) -> None:
    choice = st.session_state.get((NUMBER if numeric else CHOICE) + qid)
    if choice is not None and qid not in st.session_state[ANSWERS]:  # the first answer counts
        st.session_state[ANSWERS][qid] = choice
        correct = next(x for x in quiz.load_questions() if x.id == qid).is_correct(choice)
        quiz_store.remember(qid, choice, correct)  # in the workspace: a reload or another device finds it
        classroom_views.post_quiz_answer(qid, correct)


def restart() -> None:
    st.session_state[ANSWERS], st.session_state[POS] = {}, 0
    quiz_store.forget()
    for key in [k for k in st.session_state if str(k).startswith((CHOICE, NUMBER))]:
        del st.session_state[key]


share_views.apply_page_link("pages/13_Quiz.py")  # a teacher's link: its topics, once
questions = quiz.load_questions()
if ANSWERS not in st.session_state:  # a new session: the answers the workspace kept
    st.session_state[ANSWERS] = quiz_store.restored()
answers = st.session_state[ANSWERS]
counts = quiz.topic_counts(questions)

st.markdown(tr("quiz.intro", n=len(questions)))
topics = st.pills(tr("quiz.topics"), quiz.TOPICS, selection_mode="multi", key="quiz_topics", on_change=go, args=(0,),
                  format_func=lambda k: tr("quiz.topic_option", topic=tr(f"topic.{k}"), n=counts[k]),
                  help=tr("quiz.topics_help"))
shown = quiz.select(questions, topics)
score = quiz.score(answers, shown)
left, right = st.columns([1, 3], vertical_alignment="center")
left.metric(tr("quiz.score"), tr("quiz.score_value", correct=score.correct, answered=score.answered))
right.progress(score.answered / score.total, text=tr("quiz.progress", answered=score.answered, total=score.total))
classroom_views.quiz_note()  # answers go to the learner's class while its teacher has the quiz on

pos = min(st.session_state.get(POS, 0), len(shown) - 1)
q = shown[pos]
done = q.id in answers
with st.container(border=True):
    st.caption(tr("quiz.question_of", i=pos + 1, n=len(shown), topic=tr(f"topic.{q.topic}"),
                  level=tr(f"quiz.level.{q.level}")))
    if "predict" in q.tags:
        st.badge(tr("quiz.predict_badge"), color="violet")
    st.markdown(f"##### {q.stem[lang]}")
    numeric = q.kind == "numeric"
    if numeric:
        st.number_input(tr("quiz.your_number"), value=answers.get(q.id), key=NUMBER + q.id, disabled=done,
                        step=0.1, format="%g", help=tr("quiz.your_number_help"))
    else:
        st.radio(tr("quiz.choose"), range(len(q.options)), index=answers.get(q.id), key=CHOICE + q.id,
                 disabled=done, format_func=lambda i: q.options[i].text[lang])
    key = (NUMBER if numeric else CHOICE) + q.id
    if not done:
        st.button(tr("quiz.check"), type="primary", key="quiz_check", on_click=check, args=(q.id, numeric),
                  disabled=st.session_state.get(key) is None, help=tr("quiz.check_help"))
    else:
        matched, answer = q.match(answers[q.id]), q.options[q.answer]
        if matched is not None and q.options[matched].correct:
            st.success(q.options[matched].why[lang], icon=":material/check_circle:")  # it opens with "Right."
        else:
            why = q.options[matched].why[lang] if matched is not None else tr("quiz.unmatched", value=answers[q.id])
            st.error(tr("quiz.incorrect", why=why), icon=":material/cancel:")
            st.info(tr("quiz.right_answer", option=answer.text[lang], why=answer.why[lang]))
        if "misconception" in q.tags:
            st.caption(tr("quiz.misconception"))
        with st.expander(tr("quiz.all_explanations")):
            for o in q.options:
                st.markdown(tr("quiz.option_right" if o.correct else "quiz.option_wrong", option=o.text[lang],
                               why=o.why[lang]))
        if q.try_it:
            where = tr(f"page.{page_slug(q.try_it.page)}")
            if q.try_it.page in LINKS:
                st.page_link(LINKS[q.try_it.page], icon=":material/science:",
                             label=tr("quiz.try_it", page=where, what=q.try_it.text[lang]))
            else:
                st.caption(tr("quiz.try_it_soon", page=where, what=q.try_it.text[lang]))
        if q.refs:
            st.caption(tr("quiz.refs", refs="; ".join(q.refs)))

todo = [i for i, x in enumerate(shown) if x.id not in answers]
after = next((i for i in todo if i > pos), todo[0] if todo else None)
nav = st.columns(4)
nav[0].button(tr("quiz.previous"), key="quiz_prev", on_click=go, args=(pos - 1,), disabled=pos == 0,
              icon=":material/arrow_back:", width="stretch")
nav[1].button(tr("quiz.next"), key="quiz_next", on_click=go, args=(pos + 1,), disabled=pos == len(shown) - 1,
              icon=":material/arrow_forward:", width="stretch")
nav[2].button(tr("quiz.next_unanswered"), key="quiz_todo", on_click=go, args=(after,),
              disabled=after is None or after == pos, icon=":material/skip_next:", width="stretch")
nav[3].button(tr("quiz.restart"), key="quiz_restart", on_click=restart, help=tr("quiz.restart_help"),
              icon=":material/restart_alt:", width="stretch")
if not todo:
    st.success(tr("quiz.done", total=score.total, correct=score.correct,
                  percent=round(100 * score.correct / score.total)))
share_views.page_share_expander("pages/13_Quiz.py")  # the topics only: never the learner's answers
with st.expander(tr("quiz.glossary"), icon=":material/translate:"):
    st.caption(tr("quiz.glossary_intro"))
    terms = glossary.load_terms()
    st.dataframe({tr("quiz.glossary_en"): [term.name["en"] for term in terms],
                  tr("quiz.glossary_zh"): [term.name["zh"] for term in terms],
                  tr("quiz.glossary_not"): [", ".join(term.rejected) for term in terms]}, hide_index=True)
