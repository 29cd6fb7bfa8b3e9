// Metrics: counters move with the work done and the snapshot formats as text and JSON.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <weft/runtime.hpp>
#include <weft/yield.hpp>

namespace {

weft::task<> empty() { co_return; }

weft::task<> spawn_some(int n) {
    std::vector<weft::join_handle<>> hs;
    for (int i = 0; i < n; ++i) hs.push_back(weft::spawn(empty()));
    for (auto& h : hs) co_await h;
}

TEST(metrics, count_the_work_and_format) {
    weft::runtime_config c;
    c.workers = 2;
    weft::runtime rt(c);
    rt.block_on(spawn_some(10'000));
    auto m = rt.metrics();
    ASSERT_EQ(m.workers.size(), 2u);
    auto t = m.total();
    EXPECT_GE(t.tasks_polled, 10'001u);
    EXPECT_GE(t.local_spawns, 10'000u);
    EXPECT_GE(m.remote_spawns, 1u);  // block_on's task came from outside
    EXPECT_EQ(m.suspended_tasks, 0u);

    auto j = nlohmann::json::parse(m.to_json());
    EXPECT_EQ(j["workers"].size(), 2u);
    EXPECT_EQ(j["total"]["tasks_polled"].get<std::uint64_t>(), t.tasks_polled);
    EXPECT_EQ(j["remote_spawns"].get<std::uint64_t>(), m.remote_spawns);

    std::string text = m.to_text();
    EXPECT_NE(text.find("total:"), std::string::npos);
    EXPECT_NE(text.find("polled="), std::string::npos);
}

}  // namespace
