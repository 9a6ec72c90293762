// The observers that write: progress_bar (the terminal), csv_log and svg_plot (files), render_svg_plot. Not in
// precast.hpp, which compiles without <filesystem> and POSIX headers; in the module.
//
//   #include <precast/precast.hpp>
//   #include <precast/report.hpp>
//   t.fit(data, {.epochs = 10}, precast::observers(precast::progress_bar(), precast::csv_log("run.csv")));
#pragma once

#include <precast/training/report/csv_log.hpp>
#include <precast/training/report/progress_bar.hpp>
#include <precast/training/report/svg_plot.hpp>
