"""Reading and writing the files users exchange: the network document (YAML/JSON), CSV, Excel."""
