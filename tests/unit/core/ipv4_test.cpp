#include "emulator/core/ipv4.hpp"

#include <gtest/gtest.h>

namespace kmslab::core {
namespace {

TEST(Ipv4Test, ParsesDottedQuadsAndMappedAddresses) {
  EXPECT_EQ(parse_ipv4("127.0.0.1"), 0x7f000001u);
  EXPECT_EQ(parse_ipv4("::ffff:10.1.2.3"), 0x0a010203u);
  EXPECT_EQ(parse_ipv4("::FFFF:10.1.2.3"), 0x0a010203u);
  EXPECT_EQ(format_ipv4(0xc0a80001u), "192.168.0.1");
}

TEST(Ipv4Test, RefusesMalformedAddresses) {
  for (const char* bad :
       {"", "1", "1.2.3", "1.2.3.", "1.2.3.4.5", "256.1.1.1", "01.1.1.1", "1..2.3", "a.b.c.d",
        "1.2.3.4 ", " 1.2.3.4", "::1", "1.2.3.-4", "1.2.3.4/", "1111.1.1.1", "::ffff:"}) {
    EXPECT_FALSE(parse_ipv4(bad).has_value()) << bad;
  }
}

TEST(Ipv4Test, CidrNormalisesAsAzureEchoesIt) {
  EXPECT_EQ(parse_ipv4_cidr("124.56.78.91")->to_string(), "124.56.78.91/32");
  EXPECT_EQ(parse_ipv4_cidr("124.56.78.91/24")->to_string(), "124.56.78.0/24");
  EXPECT_EQ(parse_ipv4_cidr("0.0.0.0/0")->to_string(), "0.0.0.0/0");
  EXPECT_TRUE(parse_ipv4_cidr("10.0.0.0/8")->contains(*parse_ipv4("10.200.1.1")));
  EXPECT_FALSE(parse_ipv4_cidr("10.0.0.0/8")->contains(*parse_ipv4("11.0.0.1")));
  for (const char* bad : {"10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/", "10.0.0.0/08", "::1/128",
                          "10.0.0.0/8/8", "x/8"}) {
    EXPECT_FALSE(parse_ipv4_cidr(bad).has_value()) << bad;
  }
}

TEST(SubnetMapTest, MostSpecificRangeWins) {
  SubnetMap map;
  const std::string wide =
      "/subscriptions/s/resourcegroups/g/providers/microsoft.network/"
      "virtualnetworks/v/subnets/wide";
  auto [r1, s1] = SubnetMap::parse_entry("127.0.0.0/16=" + wide);
  map.set(r1, s1);
  auto [r2, s2] = SubnetMap::parse_entry(
      "127.0.1.0/24=/subscriptions/S/resourceGroups/G/providers/Microsoft.Network/"
      "virtualNetworks/V/subnets/Narrow");
  map.set(r2, s2);
  EXPECT_EQ(map.subnet_of("127.0.1.7"), s2);
  EXPECT_EQ(s2.find("Narrow"), std::string::npos) << "subnet ids are kept lower-case";
  EXPECT_EQ(map.subnet_of("127.0.2.7"), wide);
  EXPECT_FALSE(map.subnet_of("10.0.0.1").has_value());
  EXPECT_FALSE(map.subnet_of("garbage").has_value());
  EXPECT_TRUE(map.remove(r2));
  EXPECT_EQ(map.subnet_of("127.0.1.7"), wide);
}

TEST(SubnetMapTest, JsonRoundTripAndMalformedDocuments) {
  SubnetMap map;
  map.load_json(nlohmann::json::parse(
      R"([{"range":"127.0.1.0/24","subnet":"/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/virtualNetworks/v/subnets/x"}])"));
  SubnetMap copy;
  copy.load_json(map.to_json());
  EXPECT_EQ(copy.to_json(), map.to_json());
  for (const char* bad :
       {R"({})", R"([1])", R"([{"range":"127.0.1.0/24"}])", R"([{"range":5,"subnet":"x"}])",
        R"([{"range":"127.0.1.0/24","subnet":"not-a-subnet"}])",
        R"([{"range":"bad","subnet":"/subscriptions/s/x/subnets/y"}])"}) {
    EXPECT_THROW(map.load_json(nlohmann::json::parse(bad)), std::invalid_argument) << bad;
  }
  EXPECT_EQ(copy.to_json(), map.to_json()) << "a refused document changes nothing";
  EXPECT_THROW(SubnetMap::parse_entry("127.0.0.1"), std::invalid_argument);
}

}  // namespace
}  // namespace kmslab::core
