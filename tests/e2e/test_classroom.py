"""A classroom in a real browser: one teacher and five students on one server with a data folder of its own. The
teacher creates a class and its exercise (the 8×8 digits, a plain autoencoder, a 2-number code, 1–2 epochs) on the
Classroom page and puts the board on the projector; the QR code in a screenshot of the board decodes to the join
link, which the students open to join. Each trains within the exercise; one edits the Train page's address to ask
for a 5-number VAE on another dataset for 300 epochs and is held to the exercise all the same. The projector's board
then lists five students. Four students train the same settings, so the server trains those once and plays the run
back for the others."""
from __future__ import annotations

import io
import os
import re
import time
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from aelib.classroom import Classroom, Preset
from aelib.data import DATASETS
from aelib.i18n import t
from aelib.store import database_url, open_store
from tests.e2e.server import free_port, require_browser, streamlit_process

pytestmark = pytest.mark.e2e
sync_api = require_browser()
zxingcpp = pytest.importorskip("zxingcpp")
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
PRESET = Preset("digits", ("ae",), (("epochs", 1, 2), ("latent_dim", 2, 2)))
STUDENTS = ("Ada", "Grace", "Alan", "Katherine", "Eve")  # Eve edits the address
ESCAPE = {"dataset": "mnist5k", "model": "vae", "latent_dim": 5, "epochs": 300, "seed": 7,
          "lock": "model,latent_dim,epochs"}


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """(base URL, AELAB_HOME) of a server whose join links point at itself."""
    home, port = tmp_path_factory.mktemp("aelab-class"), free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k != "AELAB_DATABASE_URL"}
    with streamlit_process(90, env | {"AELAB_HOME": str(home), "AELAB_PUBLIC_URL": url}, home / "server.log", port):
        yield url, home


def wait_idle(page, timeout_s: float = 90) -> None:
    page.wait_for_timeout(200)  # a click's rerun starts a moment after the click
    page.wait_for_selector(IDLE, timeout=timeout_s * 1000)
    errors = page.locator("[data-testid='stException']")
    assert errors.count() == 0, errors.first.inner_text()


def key(page, name: str):
    """The element of the widget with this key."""
    return page.locator(f".st-key-{name}")


def pick(page, widget: str, option: str, several: bool = False) -> None:
    """Choose an option of a selectbox (or a multiselect, whose list then stays open) by its shown text."""
    box = key(page, widget).get_by_role("combobox")
    box.click()
    page.get_by_role("option", name=option, exact=True).click()
    if several:
        page.keyboard.press("Escape")
    wait_idle(page)
    shown = key(page, widget).inner_text() if several else box.input_value()
    assert option in shown, key(page, widget).evaluate("e => e.outerHTML")


def type_in(page, widget: str, text: str) -> None:
    field = key(page, widget).locator("input")
    field.fill(text)
    field.press("Enter")
    wait_idle(page)


def before(key_: str, field: str, **fmt) -> str:
    """The start of a message up to the named field (its value is not known beforehand)."""
    return t(key_, "en").split("{" + field + "}")[0].format(**fmt)


def create_class_and_exercise(page, url: str) -> tuple[str, str]:
    """The teacher's clicks: a class, then its exercise. Returns (code, teacher key) from the teacher link shown."""
    page.goto(f"{url}/Classroom")
    wait_idle(page)
    page.get_by_role("tab", name=t("classroom.tab_teacher", "en")).click()
    type_in(page, "class_new_name", "Year 11")
    key(page, "class_create").locator("button").click()
    link = page.locator("[data-testid='stCode']", has_text="key=")
    link.wait_for(timeout=30_000)
    code, teacher_key = re.search(r"/Classroom\?class=(\w{6})&key=([\w-]+)", link.inner_text()).groups()
    key(page, "class_key_kept").locator("button").click()
    wait_idle(page)
    assert page.locator("[data-testid='stCode']", has_text="key=").count() == 0  # shown once
    page.get_by_role("tab", name=t("classroom.tab_exercises", "en")).click()
    type_in(page, "class_ex_name", "Two numbers")
    pick(page, "class_ex_dataset", DATASETS["digits"].title.say("en"))
    pick(page, "class_ex_families", t("family.ae.title", "en"), several=True)
    type_in(page, "class_ex_epochs_hi", "2")
    key(page, "class_ex_add").locator("button").click()
    key(page, "class_switch").wait_for(timeout=30_000)  # the exercise is listed and active
    wait_idle(page)
    return code, teacher_key


def join_link_from_qr(page) -> str:
    """The projector's QR code, read back from a screenshot of the board's image."""
    from PIL import Image

    qr = page.locator("[data-testid='stImage'] img").first
    qr.wait_for(timeout=30_000)
    found = []
    for _ in range(10):  # the <img> is in the page before its picture is decoded and painted (once in CI: blank)
        qr.evaluate("img => img.decode()")
        found = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr.screenshot())).convert("L"))
        if found:
            break
        page.wait_for_timeout(500)
    assert [b.format for b in found] == [zxingcpp.BarcodeFormat.QRCode], found
    return found[0].text


def join(pages, link: str, names) -> None:
    """Each page opens the join link, gives its name and joins (each step on all pages at once)."""
    for page in pages:
        page.goto(link)
    for page, name in zip(pages, names):
        wait_idle(page)
        field = key(page, "class_join_name").locator("input")
        field.fill(name)
        field.press("Enter")
    for page in pages:
        wait_idle(page)
        key(page, "class_join").locator("button").click()


def ws_of(page) -> str:
    [ws] = parse_qs(urlsplit(page.url).query)["ws"]
    return ws


def held_inputs(page) -> dict:
    """The Train page's inputs the exercise bounds: value and whether the learner can change them."""
    out = {}
    for name in ("dataset", "model", "latent_dim", "epochs"):
        field = key(page, name).locator("input")  # a number, or a selectbox's combobox showing its choice
        out[name] = (field.input_value().strip(), field.is_disabled())
    return out


def test_a_teacher_and_five_students(lab, browser):
    url, home = lab
    started = time.time()
    teacher_ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    contexts = [browser.new_context(viewport={"width": 1400, "height": 1000}) for _ in STUDENTS]
    store = open_store(database_url({"AELAB_HOME": str(home)}))  # the server's own store
    try:
        teacher = teacher_ctx.new_page()
        code, teacher_key = create_class_and_exercise(teacher, url)
        room = Classroom(store.db)
        assert room.active_exercise(code).preset == PRESET and room.is_teacher(code, teacher_key)

        key(teacher, "class_present").locator("button").click()
        teacher.locator(".aelab-code", has_text=code).wait_for(timeout=30_000)
        assert "key" not in parse_qs(urlsplit(teacher.url).query)  # the projector never shows the key
        link = join_link_from_qr(teacher)
        assert link == f"{url}/Classroom?{urlencode({'join': code})}"

        students = [ctx.new_page() for ctx in contexts]
        join(students, link, STUDENTS)
        joined = [before("classroom.student_as", "student", code=code) + name for name in STUDENTS]
        for page, text in zip(students, joined):
            page.get_by_text(text).wait_for(timeout=30_000)
            wait_idle(page)
        workspaces = [ws_of(page) for page in students]
        for page in students[:-1]:  # the class's own way to the Train page
            page.get_by_role("link", name=t("classroom.go_train", "en")).click()
        eve = students[-1]  # the address edited to escape the exercise, with a share link's locks
        eve.goto(f"{url}/Train?{urlencode({'ws': workspaces[-1], **ESCAPE})}")
        digits, ae = DATASETS["digits"].title.say("en"), t("family.ae.title", "en")
        for page in students:
            key(page, "train").locator("button").wait_for(timeout=120_000)  # the server's first Train page is slow
            wait_idle(page)
            page.get_by_text(before("classroom.train_held", "what")).wait_for(timeout=10_000)
            inputs = held_inputs(page)
            assert inputs["dataset"] == (digits, True) and inputs["model"] == (ae, True), inputs
            assert inputs["latent_dim"] == ("2", True) and inputs["epochs"][0] == "2", inputs
        said = eve.get_by_text(before("classroom.train_held", "what")).inner_text()
        assert all(t(k, "en", **fmt) in said for k, fmt in (
            ("classroom.held_dataset", {"to": "digits", "got": "mnist5k"}),
            ("classroom.held_fixed", {"name": "latent_dim", "to": 2, "got": 5}),
            ("classroom.held_range", {"name": "epochs", "lo": 1, "hi": 2, "got": 300, "to": 2}))), said
        for page in students:
            key(page, "train").locator("button").click()
        for page, name in zip(students, STUDENTS):
            page.get_by_text(before("classroom.posted", "goal", code=code, student=name)).wait_for(timeout=120_000)
        assert held_inputs(eve)["latent_dim"] == ("2", True)  # still held after the run

        entries = room.results(code, teacher_key)["entries"]
        assert sorted(e["student"] for e in entries) == sorted(STUDENTS)
        for e in entries:
            s = e["settings"]
            assert (s["dataset"], s["model"], s["latent_dim"]) == ("digits", "ae", 2) and 1 <= s["epochs"] <= 2, e
            assert 0 <= e["metrics"]["knn_accuracy"] <= 1, e
        [eves_run] = store.list_runs(workspaces[-1])
        assert eves_run.train_config["seed"] == 7  # a setting the exercise leaves free comes from the address
        assert (eves_run.dataset, eves_run.model_config.model, eves_run.model_config.latent_dim) == ("digits", "ae", 2)

        rows = teacher.locator("[data-testid='stTable'] tbody tr")  # the projector redraws itself
        deadline = time.time() + 30
        while rows.count() != 5 and time.time() < deadline:
            teacher.wait_for_timeout(500)
        assert rows.count() == 5
        names = [rows.nth(i).locator("td, th").nth(1).inner_text().strip() for i in range(5)]
        assert sorted(names) == sorted(STUDENTS), names
        assert join_link_from_qr(teacher) == link
        print(f"classroom e2e: {time.time() - started:.1f} s after the server was up")
    finally:
        store.close()
        for ctx in (teacher_ctx, *contexts):
            ctx.close()
