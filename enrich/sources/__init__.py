"""Where engagement and seat data come from: files now, GitHub's API later."""
