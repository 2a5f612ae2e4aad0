"""The notebooks' kernels: reached on Unix sockets in a private folder, never on local TCP ports."""

import json

import pytest

pytest.importorskip("papermill")

from spikelib.pipeline.notebook import execute_notebook  # noqa: E402

NOTEBOOK = '''# %% [markdown]
# # Where is my kernel?
# %% tags=["parameters"]
unused = 1
# %%
import json, os, stat
from ipykernel.kernelapp import IPKernelApp
app = IPKernelApp.instance()
folder = os.path.dirname(app.ip)
print(json.dumps({"transport": app.transport, "mode": stat.S_IMODE(os.stat(folder).st_mode) if folder else None}))
'''


def test_a_kernel_runs_on_ipc_sockets_only_its_user_can_open(tmp_path, caplog):
    import nbformat

    source = tmp_path / "where.py"
    source.write_text(NOTEBOOK)
    with caplog.at_level("DEBUG"):
        output = execute_notebook(source, tmp_path / "where.ipynb", log_output=True)
    said = json.loads(nbformat.read(output, 4).cells[-1].outputs[0]["text"])
    assert said == {"transport": "ipc", "mode": 0o700}
    assert "without encryption" not in caplog.text
