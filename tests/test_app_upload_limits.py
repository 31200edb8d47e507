"""Issue 18.5: each upload kind has its own size limit (the 1 GB of config.toml is for model archives).
Issue 18.4: an upload's parse stops once nobody waits for it."""

import pytest
from test_app import start


def test_article_and_model_uploaders_have_their_own_limits(models):
    at = start()
    at.radio(key="mode").set_value("Upload file").run()
    assert not at.exception, at.exception
    limits = {el.proto.label: el.proto.max_upload_size_mb for el in at.get("file_uploader")}
    assert limits["Install a model (.argosmodel)"] == 1024
    assert limits["Article file"] == 64  # the largest article file the readers accept (a PDF)


# ---------------------------------------------------------------- issue 18.4: parses nobody waits for


def _abandon_script():
    import streamlit as st

    from workbench.app import state

    state.count_run()  # as main.py does first in every run
    checks = st.session_state.setdefault("checks", [])
    checks.append(state.abandoned())
    st.write(" ".join(str(check()) for check in checks))


def test_a_newer_run_abandons_the_work_of_older_runs():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_abandon_script, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    assert at.markdown[-1].value == "False"
    at.run()
    assert at.markdown[-1].value == "True False"


def test_a_closed_session_abandons_its_work(monkeypatch):
    """The browser goes: the server no longer lists the session as active."""
    from streamlit.testing.v1 import AppTest

    from workbench.app import state

    class FakeRuntime:  # AppTest has no server: stand in for the one that lists the live sessions
        live = True

        @staticmethod
        def exists() -> bool:
            return True

        @staticmethod
        def instance():
            return FakeRuntime

        @staticmethod
        def is_active_session(session_id: str) -> bool:
            return FakeRuntime.live and bool(session_id)

    monkeypatch.setattr(state, "Runtime", FakeRuntime)
    at = AppTest.from_function(_abandon_script, default_timeout=60)
    at.run()
    assert at.markdown[-1].value == "False"
    check = at.session_state["checks"][0]
    assert check() is False
    FakeRuntime.live = False
    assert check() is True


def test_an_abandoned_upload_parse_stops_with_one_line(monkeypatch):
    """A PDF that takes long to read (issue 18.4: pages sharing one padded stream) stops at its next
    budget check once the check says nobody waits, instead of running to its time limit."""
    from workbench.app import state
    from workbench.errors import BadInput
    from workbench.testing import hostile

    monkeypatch.setattr(state, "abandoned", lambda: (lambda: True))
    data = hostile.pdf_shared_padded_stream(pages=2000, padding_mb=1)
    with pytest.raises(BadInput, match=r"^slow.pdf: reading was stopped \(nobody is waiting for it any more\)$"):
        state.read_upload(data, "slow.pdf", None)
