"""mdstore_client in ten lines: declare types, report a training step, ask what the model
was made from.

    python examples/quickstart.py                  # an embedded SQLite store in a temp dir
    python examples/quickstart.py 127.0.0.1:8080   # a running `mdstore serve`
"""

import sys
import tempfile
from pathlib import Path

import mdstore_client

folder = Path(tempfile.mkdtemp(prefix="mdstore-quickstart-"))
(folder / "churn.csv").write_text("customer,churned\n1,0\n2,1\n")  # stand-ins for real files
store = sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{folder / 'md.db'}"

# ---- the ten lines -------------------------------------------------------------------
client = mdstore_client.connect(store)
client.artifact_type("Dataset", properties={"rows": int})
client.artifact_type("Model", properties={"auc": float})
data = client.put_artifact("Dataset", uri=(folder / "churn.csv").as_uri(), properties={"rows": 2})
with client.run("trainer", pipeline="churn", run="2026-11-23", params={"lr": 0.01}) as run:
    run.input(data)
    model = run.output("Model", uri=(folder / "model.pkl").as_uri(), properties={"auc": 0.91})
    (folder / "model.pkl").write_bytes(b"trained weights")  # the step writes its output
print(client.upstream(model).render())
# --------------------------------------------------------------------------------------
