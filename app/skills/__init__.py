"""The skills marketplace: offers sold as jobs (quote, accept, deliver, confirm or dispute),
messages and ratings between the two sides, trainings with sessions, seats and attendance."""
