set terminal pngcairo size 900,540 font 'sans,10'
set output 'bench/results/2026-11-25/memory.png'
set grid
set key outside right top
set style fill solid 0.6
set boxwidth 0.6
set ylabel 'KB per connection'
set title 'Server heap growth per idle connection (idle-10000)'
set xtics rotate by -20
unset key
set yrange [0:*]
plot 'bench/results/2026-11-25/raw/memory.dat' using 0:2:xtic(1) with boxes, '' using 0:2:(sprintf('%.4g',$2)) with labels offset 0,0.7
