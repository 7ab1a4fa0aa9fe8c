"""Where prints from threads and child processes land in a notebook: ask a real kernel.

Starts a fresh IPython kernel (as JupyterLab does), runs four cells in it, and reads every
message the kernel publishes. Each output message names the cell it belongs to (its
parent), which is how JupyterLab decides where to draw it. Prints one line per output.
"""
import os
import queue
import subprocess

from jupyter_client.manager import start_new_kernel

CELLS = {
    "A": """
import multiprocessing, os, subprocess, sys, threading, time
ctx = multiprocessing.get_context(os.environ.get("MP_START_METHOD") or None)
child = ctx.Process(target=print, args=(f"A: a {ctx.get_start_method()} child printed",))
child.start()
child.join(timeout=30)
subprocess.run([sys.executable, "-c", "print('A: a separate process wrote to fd 1')"],
               check=True, timeout=30)
def late(text, delay):
    time.sleep(delay)
    print(text)
threading.Thread(target=late, args=("A's thread, 0.5 s later", 0.5)).start()
""",
    "B": "time.sleep(1.5)  # A's thread prints while this cell runs",
    "C": """threading.Thread(target=late, args=("C's thread, kernel idle", 0.5)).start()""",
}

env = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}  # as in JupyterLab
manager, client = start_new_kernel(startup_timeout=60, env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)  # the kernel's own terminal
try:
    cell_of = {}
    for name, code in CELLS.items():
        cell_of[client.execute(code)] = name
        reply = client.get_shell_msg(timeout=60)  # the execute_reply: the cell has finished
    last_cell_done = reply["header"]["date"]  # a head-less runner stops listening here
    while True:  # keep listening 1.5 s longer than a head-less runner would
        try:
            msg = client.get_iopub_msg(timeout=1.5)
        except queue.Empty:  # nothing more arrived
            break
        if msg["msg_type"] == "stream":
            cell = cell_of.get(msg["parent_header"].get("msg_id"), "?")
            late = "after the last cell" if msg["header"]["date"] > last_cell_done else "in time"
            for line in filter(None, msg["content"]["text"].splitlines()):
                print(f"{msg['content']['name']} | cell {cell} | {late} | {line}")
finally:
    client.stop_channels()
    manager.shutdown_kernel(now=True)
