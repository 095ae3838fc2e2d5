"""CsvExampleGen and ImportExampleGen: TFX's executors for CSV files and TFRecords, as plain components."""
