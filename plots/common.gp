# common.gp — loaded by every figure script of plots/: the terminal and
# the look.  The figure script sets `width` and `height` (pixels) first.
#
# Variables given by `gomem-bench plot` (gnuplot -e) to every script:
#   data     the data file, DIR/plots/NAME.dat (blocks: gnuplot's index)
#   out      the image to write, DIR/plots/NAME.png or .svg
#   fmt      'png' or 'svg'
#   nblocks  how many blocks the data file holds (at least 1)
#   titles   the blocks' titles, one word each, in order
#   scripts  this directory
# The scripts read nothing but `data`.
if (!exists("width")) width = 900
if (!exists("height")) height = 560
if (fmt eq 'svg') {
	set terminal svg size width, height dynamic font 'sans,12' background '#ffffff'
} else {
	set terminal pngcairo size width, height font 'sans,10' background '#ffffff'
}
set output out
set termoption noenhanced
set encoding utf8
set border 3 lc rgb '#444444'
set tics nomirror
set grid lc rgb '#dddddd' lt 1
set key noenhanced box lc rgb '#cccccc'
set datafile missing 'NaN'
# A colour per series that stays apart in print and for most colour
# vision (the Okabe-Ito palette).
array palette[8] = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#f0e442', '#000000']
colour(i) = palette[(i % 8) + 1]
# Block titles come as words with '_' for spaces: spaced('1_thread').
spaced(s) = strstrt(s, '_') ? s[1:strstrt(s, '_') - 1].' '.spaced(s[strstrt(s, '_') + 1:]) : s
