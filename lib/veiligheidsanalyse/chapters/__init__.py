"""Analysis per chapter: each module turns the run's data into results, figures and findings."""
