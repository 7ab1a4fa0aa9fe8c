# --- unit-test fixtures ---
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest


@pytest.fixture(autouse=True)
def _close_figures():
    """Close every figure a test drew, so figures do not pile up across the suite."""
    yield
    plt.close("all")
