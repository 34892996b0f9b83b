"""The Your data page through AppTest: bad uploads are messages, a good one is previewed, added to this session
only, picked on the Train page, trained on, and shown by the result pages like a bundled set;
then the same page in Chinese (?lang=zh)."""
from __future__ import annotations

import io
import zipfile

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from aelib.i18n import t
from appkit.i18n import plain
from tests.app.helpers import figure, fresh, ok, on, prefix, values

PAGE = "pages/7_Your_data.py"
RESULT_PAGES = ["pages/2_Latent_space.py", "pages/3_Compare.py"]


def pets(n: int = 600) -> bytes:
    """Three classes of animals, three measurements each; enough rows that the Compare page's smallest sample
    (100 test points) fits."""
    rng = np.random.default_rng(0)
    kind = np.resize(["cat", "dog", "fox"], n)
    centre = {"cat": (30, 4, 25), "dog": (60, 20, 40), "fox": (45, 7, 35)}
    x = np.array([centre[k] for k in kind]) + rng.normal(0, 3, (n, 3))
    return pd.DataFrame(x, columns=["height", "weight", "tail"]).assign(kind=kind).to_csv(index=False).encode()


def digit_zip(n: int = 40) -> bytes:
    rng = np.random.default_rng(0)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for i in range(n):
            img = io.BytesIO()
            Image.fromarray(rng.integers(0, 256, (8, 8), dtype=np.uint8)).save(img, format="PNG")
            z.writestr(f"{'odd' if i % 2 else 'even'}/{i}.png", img.getvalue())
    return buf.getvalue()


def upload_csv(at, body: bytes, name: str = "pets.csv"):
    on(at, PAGE)
    at.file_uploader(key="upload_csv").set_value((name, body, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def add(at):
    at.button(key="upload_add").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture(scope="module")
def trained_on_pets():
    """A session that uploaded pets.csv with its label column, and trained a 2-epoch AE on it."""
    at = upload_csv(fresh(), pets())
    at.selectbox(key="upload_label").set_value("kind").run()
    add(at)
    on(at, "pages/1_Train.py")
    assert at.selectbox(key="dataset").value == "yours: pets.csv"  # adding selects it for the Train page
    at.number_input(key="epochs").set_value(2).run()
    at.button(key="train").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_page_renders_with_nothing_uploaded():
    at = on(fresh(), PAGE)
    assert any(c.value == t("your_data.none_yet", "en") for c in at.caption)
    assert not at.error


@pytest.mark.parametrize("name, body, expected", [
    ("picture.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(100), "holds binary data"),
    ("empty.csv", b"", "The file is empty"),
    ("short.csv", b"a,b\n1,2\n3,4\n", "Only 2 rows"),
    ("text.csv", pets(60).replace(b"height", b"name").replace(b"\n3", b"\nabc", 1), "Not numeric"),
])
def test_bad_csvs_are_messages(name, body, expected):
    at = upload_csv(fresh(), body, name)
    assert any(expected in e.value for e in at.error), [e.value for e in at.error]
    assert not at.button  # nothing to add


def test_a_label_column_with_one_class_is_a_message():
    body = pd.read_csv(io.BytesIO(pets(60))).assign(kind="cat").to_csv(index=False).encode()
    at = upload_csv(fresh(), body)
    at.selectbox(key="upload_label").set_value("kind").run()
    assert any("only one class ('cat')" in e.value for e in at.error)


def test_a_good_csv_is_previewed_with_its_class_counts():
    at = upload_csv(fresh(), pets(90))
    assert list(at.dataframe[0].value.columns) == ["height", "weight", "tail", "kind"]
    assert at.selectbox(key="upload_label").value == "kind"  # detected: the only text column
    assert not at.error
    assert [m.value for m in at.metric] == ["3", "72 / 18", "3"]
    assert at.button(key="upload_add")


def test_the_uploaded_set_trains_and_every_result_page_shows_it(trained_on_pets):
    at = trained_on_pets
    run = at.session_state["aelab_run"]
    assert run.dataset == "yours: pets.csv" and run.status == "finished" and len(run.history) == 2
    for page in RESULT_PAGES:
        on(at, page)
        assert at.get("plotly_chart"), page
    on(at, "pages/2_Latent_space.py")
    fig = figure(at.get("plotly_chart")[0])
    assert [t["name"] for t in fig["data"]] == ["cat", "dog", "fox"]
    assert sum(len(values(t["x"])) for t in fig["data"]) == 120  # 20 % of 600 rows held out


def test_an_uploaded_set_in_use_cannot_be_removed_and_others_never_see_it(trained_on_pets):
    at = on(trained_on_pets, PAGE)
    assert at.button(key="upload_remove_yours: pets.csv").disabled
    other = on(fresh(), "pages/1_Train.py")
    assert not any(o.startswith("yours:") for o in other.selectbox(key="dataset").options)


def test_adding_the_same_file_twice_says_where_it_is(trained_on_pets):
    at = upload_csv(trained_on_pets, pets())
    at.selectbox(key="upload_label").set_value("kind").run()
    title = t("your_data.dataset_title", "en", name="pets.csv")
    assert [i.value for i in at.info] == [t("your_data.already_added", "en", title=title)]


def test_a_zip_of_images_is_added_and_removed():
    at = on(fresh(), PAGE)
    at.file_uploader(key="upload_images").set_value(("digits.zip", digit_zip(), "application/zip")).run()
    assert not at.exception and not at.error
    assert [m.value for m in at.metric] == ["1 × 8 × 8", "32 / 8", "2"]
    add(at)
    store = at.session_state["aelab_uploads"]
    assert list(store) == ["yours: digits.zip"] and store["yours: digits.zip"].ds.shape == (1, 8, 8)
    at.button(key="upload_remove_yours: digits.zip").click().run()
    assert not at.exception and not at.session_state["aelab_uploads"]
    on(at, "pages/1_Train.py")
    assert at.selectbox(key="dataset").value == "mnist5k"  # the picker falls back to the default


def test_images_of_mixed_sizes_are_a_message():
    buf = io.BytesIO()
    Image.fromarray(np.zeros((9, 9), np.uint8)).save(buf, format="PNG")
    at = on(fresh(), PAGE)
    at.file_uploader(key="upload_images").set_value([("a.zip", digit_zip(), "application/zip"),
                                                     ("big.png", buf.getvalue(), "image/png")]).run()
    assert any("differ in size" in e.value and "'big.png' is 9×9" in e.value for e in at.error)


# In Chinese (?lang=zh): the page's words, messages and figures come from the zh tables.


def test_the_your_data_page_speaks_chinese():
    at = ok(on(fresh("zh"), PAGE))
    assert at.title[0].value == t("your_data.title", "zh")
    assert any(m.value == t("your_data.intro", "zh") for m in at.markdown)
    assert [tab.label for tab in at.tabs] == [t("your_data.tab_csv", "zh"), t("your_data.tab_images", "zh")]
    assert any(c.value == t("your_data.none_yet", "zh") for c in at.caption)
    assert at.subheader[0].value == t("your_data.yours", "zh")


def test_a_csv_upload_is_checked_previewed_and_added_in_chinese():
    at = on(fresh("zh"), PAGE)
    at.file_uploader(key="upload_csv").set_value(("pets.csv", pets(90), "text/csv")).run()
    ok(at)
    assert at.selectbox(key="upload_label").label == t("your_data.label_column", "zh")
    assert at.selectbox(key="upload_label").options[0] == t("your_data.no_label", "zh")
    assert at.selectbox(key="upload_label").value == "kind"  # detected, and the caption says why in Chinese
    why = t("your_data.guess_text", "zh", n=3, values="“cat”、“dog”、“fox”")
    assert [c.value for c in at.caption if c.value.startswith(prefix("your_data.label_guessed", "zh", column=...))] \
        == [t("your_data.label_guessed", "zh", column="kind", why=why)]
    at.selectbox(key="upload_label").set_value(None).run()  # the label column is not numeric when not the label
    reason = t("your_data.not_numeric_one", "zh", names="“kind”", example="cat", column="kind")  # in Chinese too
    assert at.error[0].value == t("your_data.upload_error", "zh", detail=reason)
    at.selectbox(key="upload_label").set_value("kind").run()
    ok(at)
    assert not at.error and at.success[0].value.startswith(prefix("your_data.ready", "zh", source=...))
    assert [m.label for m in at.metric] == [t(k, "zh") for k in ("your_data.shape", "your_data.split",
                                                                   "your_data.classes")]
    assert at.button(key="upload_add").label == t("your_data.add", "zh")
    at.button(key="upload_add").click().run()
    ok(at)
    name = t("your_data.dataset_title", "zh", name="pets.csv")
    assert any(m.value.startswith(f"**{name}**") for m in at.markdown)
    assert at.button(key="upload_remove_yours: pets.csv").label == t("your_data.remove", "zh")
    assert any(c.value == t("your_data.session_only", "zh") for c in at.caption)
    at.file_uploader(key="upload_csv").set_value(("pets.csv", pets(90), "text/csv")).run()
    at.selectbox(key="upload_label").set_value("kind").run()
    assert [i.value for i in at.info] == [t("your_data.already_added", "zh", title=name)]
    on(at, "pages/1_Train.py")  # the Train page's picker names the set in Chinese too
    assert name in at.selectbox(key="dataset").options


def test_an_image_upload_is_previewed_in_chinese():
    at = on(fresh("zh"), PAGE)
    at.file_uploader(key="upload_images").set_value(("digits.zip", digit_zip(), "application/zip")).run()
    ok(at)
    assert [m.value for m in at.metric] == ["1 × 8 × 8", "32 / 8", "2"]
    preview = figure(at.get("plotly_chart")[0])
    assert preview["layout"]["yaxis"]["ticktext"] == [t("your_data.row_training", "zh")]


# The label picker opens on the column a person would call the label, and says why.


def sklearn_csv(loader: str, label: str | None = "label", text: bool = False) -> bytes:
    """One of sklearn's bundled sets as CSV: its features, then its class in `label` (numbers, or names if `text`)."""
    from sklearn import datasets

    bunch = getattr(datasets, loader)(as_frame=True)
    df = bunch.data
    if label is not None:
        df = df.assign(**{label: [bunch.target_names[i] for i in bunch.target] if text else bunch.target})
    return df.to_csv(index=False).encode()


def captions(at, key: str) -> list[str]:
    return [c.value for c in at.caption if c.value.startswith(prefix(key, "en", column=...))]


@pytest.mark.parametrize("loader, text, classes, shape, why", [
    ("load_iris", False, "3", "4", "its name says so, and it holds 3 different values ('0', '1', '2')"),
    ("load_wine", True, "3", "13", "its name says so, and it holds 3 different values ('class_0', 'class_1', "
                                   "'class_2')"),
])
def test_the_label_column_is_detected_and_said(loader, text, classes, shape, why):
    at = upload_csv(fresh(), sklearn_csv(loader, text=text), f"{loader}.csv")
    assert at.selectbox(key="upload_label").value == "label"
    assert captions(at, "your_data.label_guessed") == [t("your_data.label_guessed", "en", column="label",
                                                         why=plain(why))]  # Markdown: class\_0 shows class_0
    assert not at.error and "labels from 'label'" in at.success[0].value
    assert [m.value for m in at.metric] == [shape, at.metric[1].value, classes]


def test_a_table_without_labels_says_none_was_found_and_the_choice_is_the_learners():
    at = upload_csv(fresh(), sklearn_csv("load_iris", label=None), "measurements.csv")
    assert at.selectbox(key="upload_label").value is None
    assert t("your_data.label_not_guessed", "en") in [c.value for c in at.caption]
    assert not at.error and "no labels" in at.success[0].value
    at = upload_csv(at, sklearn_csv("load_iris"), "iris.csv")  # another file: the picker opens on its label
    assert at.selectbox(key="upload_label").value == "label"
    at.selectbox(key="upload_label").set_value(None).run()  # the learner's choice stands over reruns
    assert not captions(at, "your_data.label_guessed") and t("your_data.label_not_guessed", "en") not in [
        c.value for c in at.caption]
    at.run()
    assert at.selectbox(key="upload_label").value is None
    assert "5 columns, no labels" in at.success[0].value


def test_train_on_it_is_offered_only_once_there_is_a_dataset():
    at = on(fresh(), PAGE)
    assert any(c.value == t("your_data.none_yet", "en") for c in at.caption)
    assert not at.main.get("page_link")
    at = add(upload_csv(at, pets(90)))
    assert [link.label for link in at.main.get("page_link")] == [t("your_data.train_on_it", "en")]
    at.button(key="upload_remove_yours: pets.csv").click().run()
    assert not at.main.get("page_link")
