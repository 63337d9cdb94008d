set terminal pngcairo size 900,540 font 'sans,10'
set output 'bench/results/2026-11-25/link.png'
set grid
set key outside right top
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.6
set ylabel 'goodput MB/s (payload)'
set yrange [0:13]
set title 'Emulated 100 Mbit/s link (12.5 MB/s): goodput by RTT and loss'
plot 'bench/results/2026-11-25/raw/link.dat' using 2:xtic(1) title 'tern (64 KiB reliable)', '' using 3 title 'TCP CUBIC (iperf3)'
