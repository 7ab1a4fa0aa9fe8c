"""The article's producer-consumer, as it wrote it (its time.sleep(1) scaled to 0.05 s).

A shared list as the basket, check-then-act, and `while True` threads that never stop:
run it only in a fresh interpreter with a timeout.
"""

import threading
import time


def producer(name, stack):
    while True:
        time.sleep(0.05)
        if len(stack) < 10:
            stack.append('包子')
            print(name + '生产了一个包子')
        else:
            print('篮子满了，停止生产')


def consumer(name, stack):
    while True:
        time.sleep(0.05)
        if stack:
            item = stack.pop()
            print(name + '消费了一个' + item)
        else:
            print(name + '没拿到包子')


stack = list()
cooks = ['张三', '李四', '王五']
cookers = [threading.Thread(target=producer, args=(name, stack)) for name in cooks]
for cooker in cookers:
    cooker.start()
consumers = [threading.Thread(target=consumer, args=('consumer' + str(i), stack)) for i in range(5)]
for eater in consumers:
    eater.start()
print('main thread: end of the script')
