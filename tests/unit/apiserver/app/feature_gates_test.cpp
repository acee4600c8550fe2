// --feature-gates as kube-apiserver's featuregate.Set reads it, per release (kms.md §1.3).
#include <gtest/gtest.h>

#include "emulator/apiserver/app/config.hpp"

namespace kmslab::apiserver::app {
namespace {

std::string refusal(const std::string& text, int minor) {
  try {
    parse_feature_gates(text, minor);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(FeatureGatesTest, KmsV1DefaultsByRelease) {
  EXPECT_TRUE(parse_feature_gates("", 26).kms_v1);
  EXPECT_TRUE(parse_feature_gates("", 28).kms_v1);
  EXPECT_FALSE(parse_feature_gates("", 29).kms_v1);
  EXPECT_FALSE(parse_feature_gates("", 32).kms_v1);
}

TEST(FeatureGatesTest, KmsV1CanBeTurnedBackOnFrom129) {
  EXPECT_TRUE(parse_feature_gates("KMSv1=true", 29).kms_v1);
  EXPECT_TRUE(parse_feature_gates("KMSv1=True", 32).kms_v1);
  EXPECT_FALSE(parse_feature_gates("KMSv1=false", 28).kms_v1);
}

TEST(FeatureGatesTest, GatesAReleaseDoesNotKnowAreUnrecognized) {
  EXPECT_EQ(refusal("KMSv1=true", 27), "unrecognized feature gate: KMSv1");
  EXPECT_EQ(refusal("KMSv2=true", 32), "unrecognized feature gate: KMSv2");
  EXPECT_EQ(refusal("NoSuchGate=true", 30), "unrecognized feature gate: NoSuchGate");
}

TEST(FeatureGatesTest, MalformedAndLockedValues) {
  EXPECT_EQ(refusal("KMSv1", 29), "missing bool value for KMSv1");
  EXPECT_EQ(refusal("KMSv1=yes", 29),
            "invalid value of KMSv1=yes, err: strconv.ParseBool: parsing \"yes\": invalid syntax");
  EXPECT_EQ(refusal("KMSv2=false", 29),
            "cannot set feature gate KMSv2 to false, feature is locked to true");
  EXPECT_EQ(refusal("KMSv2=true,KMSv2KDF=true", 30), "");  // locked to true already
}

TEST(FeatureGatesTest, WhatKmslabDoesNotModelIsRefusedPlainly) {
  EXPECT_NE(refusal("KMSv2=true", 26).find("not modelled"), std::string::npos);
  EXPECT_NE(refusal("KMSv2KDF=true", 28).find("not modelled"), std::string::npos);
  EXPECT_EQ(refusal("KMSv2=true,KMSv2KDF=false", 28), "");  // the 1.28 defaults
}

}  // namespace
}  // namespace kmslab::apiserver::app
