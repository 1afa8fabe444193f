print("lcstat")
