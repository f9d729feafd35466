def step(x):
    return (x > 0).astype(int)
