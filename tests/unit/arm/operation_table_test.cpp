#include "emulator/arm/operation_table.hpp"

#include <gtest/gtest.h>

namespace kmslab::arm {
namespace {

TEST(OperationTable, EvictsTheOldestIdNotTheSmallest) {
  OperationTable table(3);
  // Inserted out of lexical order: a table keyed by sorted id would evict "a" (the smallest).
  table.add("z");
  table.add("a");
  table.add("m");
  table.add("b");
  EXPECT_FALSE(table.contains("z"));
  EXPECT_TRUE(table.contains("a"));
  EXPECT_TRUE(table.contains("m"));
  EXPECT_TRUE(table.contains("b"));
  EXPECT_EQ(table.size(), 3u);
}

TEST(OperationTable, KeepsTheNewestWhileManyArrive) {
  OperationTable table(100);
  for (int i = 0; i < 1000; ++i) table.add("op-" + std::to_string(i));
  EXPECT_EQ(table.size(), 100u);
  for (int i = 900; i < 1000; ++i) EXPECT_TRUE(table.contains("op-" + std::to_string(i))) << i;
  EXPECT_FALSE(table.contains("op-899"));
}

TEST(OperationTable, AddingAKnownIdChangesNothing) {
  OperationTable table(2);
  table.add("x");
  table.add("x");
  table.add("y");
  EXPECT_TRUE(table.contains("x"));
  EXPECT_TRUE(table.contains("y"));
  EXPECT_EQ(table.size(), 2u);
  EXPECT_FALSE(table.contains("unknown"));
}

}  // namespace
}  // namespace kmslab::arm
