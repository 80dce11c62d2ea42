#!/bin/sh
# Extract the product catalog into raw/products.csv.
#
# Stand-in for the catalog API: the catalog is small and fixed. Products come
# in pairs that are often bought together (101+102, 103+104, ...), which the
# synthetic orders of extract_orders.sh reproduce.
#
# Environment: data_dir
set -eu

: "${data_dir:?data_dir is not set}"

out="$data_dir/raw/products.csv"
mkdir -p "$data_dir/raw"

cat > "$out.tmp" <<'CSV'
product_id,sku,name,category,price
101,ELC-101,Mirrorless Camera,electronics,89800
102,ELC-102,SD Card 128GB,electronics,2980
103,ELC-103,Wireless Earbuds,electronics,12800
104,ELC-104,Charging Case,electronics,1980
105,ELC-105,Smart Watch,electronics,24800
106,ELC-106,Watch Band,electronics,1480
201,KIT-201,Rice Cooker,kitchen,19800
202,KIT-202,Rice Paddle,kitchen,480
203,KIT-203,Santoku Knife,kitchen,7980
204,KIT-204,Whetstone,kitchen,2980
205,KIT-205,Drip Coffee Maker,kitchen,6980
206,KIT-206,Paper Filters,kitchen,380
301,BOK-301,Python for Beginners,books,2640
302,BOK-302,Python Exercises,books,2200
303,BOK-303,Japanese Home Cooking,books,1650
304,BOK-304,Bento Recipes,books,1430
305,BOK-305,Hiking Guide Kanto,books,1980
306,BOK-306,Trail Map Set,books,990
401,OUT-401,Tent 2P,outdoor,29800
402,OUT-402,Ground Sheet,outdoor,2480
403,OUT-403,Sleeping Bag,outdoor,9800
404,OUT-404,Sleeping Pad,outdoor,5980
405,OUT-405,Trekking Poles,outdoor,6480
406,OUT-406,Headlamp,outdoor,2980
501,BTY-501,Face Wash,beauty,1280
502,BTY-502,Moisturizer,beauty,2480
503,BTY-503,Sunscreen SPF50,beauty,1680
504,BTY-504,Lip Balm,beauty,580
505,BTY-505,Shampoo,beauty,1580
506,BTY-506,Conditioner,beauty,1580
CSV

mv "$out.tmp" "$out"
echo "products: $(($(wc -l < "$out") - 1)) rows -> $out"
