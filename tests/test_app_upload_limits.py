"""Issue 18.5: each upload kind has its own size limit (the 1 GB of config.toml is for model archives)."""

from test_app import start


def test_article_and_model_uploaders_have_their_own_limits(models):
    at = start()
    at.radio(key="mode").set_value("Upload file").run()
    assert not at.exception, at.exception
    limits = {el.proto.label: el.proto.max_upload_size_mb for el in at.get("file_uploader")}
    assert limits["Install a model (.argosmodel)"] == 1024
    assert limits["Article file"] == 64  # the largest article file the readers accept (a PDF)
