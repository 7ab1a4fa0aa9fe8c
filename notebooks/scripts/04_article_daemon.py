"""The article's daemon example, 10x faster (sleeps of 0.05 s, join(timeout=0.2)), as written."""
import time
from threading import Thread


def my_fun(arg1, arg2):
    for i in range(10):
        print(i)
        time.sleep(0.05)
    print(arg1, arg2)


t1 = Thread(target=my_fun, args=(1, 1))
t1.setDaemon(True)
t1.start()
t1.join(timeout=0.2)

print(t1.getName())
print('end')
