#pragma once
// JUnit XML of a run, as CI systems read it: one testsuite, one testcase per scenario, a
// <failure> (failed) or <error> (the stack did not start) with the step, message and logs.
#include <string>

#include "scenarios/runner/results.hpp"

namespace kmslab::scenario {

std::string junit_xml(const RunResult& run);

}  // namespace kmslab::scenario
