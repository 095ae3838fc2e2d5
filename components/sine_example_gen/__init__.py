"""SineExampleGen: x uniform in [0, 2π) and y = sin(x), the tutorial's regression, as a standard Examples artifact."""
