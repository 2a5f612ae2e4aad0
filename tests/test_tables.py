"""The paper-vs-replication tables: the paper's suspect values, their mark, and the agreement with and without them."""

import pandas as pd

from spikelib.report import tables


def test_the_papers_copied_rows_and_impossible_accuracy_are_found_by_their_rules():
    suspect = tables.suspect_paper_values(tables.paper_tables())
    copied = suspect[suspect["reason"].str.contains("MNIST row")]
    # Table 2's Fashion-MNIST training rows of MLP-512 repeat its MNIST rows, in every condition.
    mlp512 = copied[(copied["width"] == 512) & (copied["split"] == "train")]
    assert set(mlp512["condition"]) == {"generalizing", "mem_retrain_last", "mem_random_last", "random"}
    accuracy = suspect[suspect["quantity"] == "accuracy"]
    assert set(accuracy["split"]) == {"train", "validation"} and set(accuracy["width"]) == {128}
    assert (suspect["dataset"] == "FashionMNIST").all()  # MNIST is the source the rows were copied from


def _paper(fashion_mfr):
    table2 = pd.DataFrame({"model": "MLP", "width": 64, "dataset": ["MNIST", "FashionMNIST"], "split": "train",
                           "condition": "generalizing", "mfr": [0.5, fashion_mfr], "cv_fr": [40.0, 40.0]})
    table1 = pd.DataFrame({"model": "MLP", "width": 64, "dataset": "FashionMNIST", "split": ["train", "validation"],
                           "condition": "generalizing", "accuracy": [90.0, 89.0]})
    return {"table1": table1, "table2": table2}


def test_a_value_copied_from_mnist_is_marked_and_left_out_of_the_trusted_count():
    paper = _paper(fashion_mfr=0.5)  # both values equal the MNIST row's
    assert len(tables.suspect_paper_values(paper)) == 2
    assert tables.suspect_paper_values(_paper(fashion_mfr=0.51)).empty  # one value differs: not a copy
    cells = pd.DataFrame({"model": "MLP", "width": 64, "dataset": "FashionMNIST", "split": "train",
                          "condition": "generalizing", "mfr": [0.3], "cv_fr": [0.4]})
    t2 = tables.table2(cells, paper)
    layout, departs = tables.paper_layout(t2, "mfr", 0.05)
    assert layout.iloc[0, 0] == "0.30 (0.50\u00a0‡)" and not departs.iloc[0, 0]  # the paper's value is the doubtful one
    summary = tables.agreement({"MFR": (t2, "mfr", 0.05)}).iloc[0]
    assert (summary["paired"], summary["within"], summary["paired_trusted"], summary["within_trusted"]) == (1, 0, 0, 0)


def test_completion_says_which_cells_failed_and_why(tmp_path):
    import json

    from spikelib.report.results import completion

    (tmp_path / "cells").mkdir()
    error = "TrainingError: true labels: the training loss became nan in epoch 4: the network diverged."
    cells = {"a": {"status": "failed", "error": error, "parameters": {"model": "mlp", "width": 64, "depth": 3,
                                                                        "learning_rate": 0.3, "seed": 0}},
             "b": {"status": "failed", "error": "DataError: no file", "parameters": {"model": "cnn", "width": 8,
                                                                                   "seed": 1}}}
    (tmp_path / "manifest.json").write_text(json.dumps({"n_cells": 3, "cells": cells}))
    finished, planned, sentence = completion(tmp_path)
    assert (finished, planned) == (0, 3)
    assert "2 failed in the last run: 1 diverged, their training loss non-finite (MLP-3-64 (learning rate 0.3), " \
           "seed 0); 1 with DataError (CNN-8, seed 1)." in sentence
    assert "runs the rest" in sentence  # one planned cell has not run yet


def test_a_network_trained_on_shuffled_labels_is_not_called_generalizing():
    import pandas as pd

    from spikelib.report.render import NOISY_LABELS, html_table

    frame = pd.DataFrame({"condition": pd.Categorical(["generalizing", "generalizing", "mem_retrain_last"]),
                          "label_noise": [0.0, 0.6, 1.0], "mfr": [0.5, 0.4, 0.3]})
    text = html_table(frame)
    assert text.count("Generalizing") == 1 and NOISY_LABELS in text and "MemRetrainLast" in text
