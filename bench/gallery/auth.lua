-- Sends the bench user's bearer token with every request.
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
