"""The demo stores' catalog (``flask kaidian seed-demo``): categories, products with specs, SKUs, stock,
descriptions and pictures, created through the catalog's services as a merchant would.

Idempotent: a category is found by name under its parent, a product by title; what exists is left
alone, so running the seeder twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import product as combinations

from sqlalchemy import select

from kaidian.platform.extensions import db

from . import media, products, taxonomy
from .demo_images import illustration
from .models import Product


@dataclass(frozen=True)
class DemoProduct:
    title: str
    name_en: str  # the picture's caption (Pillow's bundled font is Latin only)
    subtitle: str
    category: str  # "parent/child"
    shape: str
    price: int  # fen
    original: int | None
    specs: tuple  # ((name, (values…)), …)
    colours: tuple = ()  # (ink, background) per picture
    step: int = 0  # extra fen per step of the last spec (bigger sizes cost more)
    stock: int = 40
    description: str = ""


@dataclass(frozen=True)
class DemoCatalog:
    code: str  # SKU code prefix
    label: str  # small caption on top of each picture
    categories: tuple  # ((parent, (children…)), …)
    products: tuple
    palette: tuple = field(default=())


SIZE_CHART = ("<h3>尺码表</h3><table><thead><tr><th>尺码</th><th>胸围</th><th>衣长</th></tr></thead><tbody>"
              "<tr><td>S</td><td>84cm</td><td>62cm</td></tr><tr><td>M</td><td>88cm</td><td>64cm</td></tr>"
              "<tr><td>L</td><td>92cm</td><td>66cm</td></tr></tbody></table>")
CARE = "<ul><li>30℃ 以下轻柔机洗</li><li>不可漂白，阴凉处晾干</li></ul>"
COLOURS = "颜色"
SIZES = ("尺码", ("S", "M", "L"))


def _wear(text: str) -> str:
    return f"<p>{text}</p>{SIZE_CHART}{CARE}"


APPAREL = DemoCatalog(
    code="YS", label="Yunshang Studio",
    categories=(("女装", ("连衣裙", "上衣", "半身裙")), ("男装", ("衬衫", "裤装", "外套")),
                ("鞋包配饰", ("鞋履", "包袋", "围巾"))),
    products=(
        DemoProduct("亚麻系带连衣裙", "Linen Wrap Dress", "透气亚麻，收腰显瘦", "女装/连衣裙", "dress", 39900, 49900,
                    ((COLOURS, ("燕麦", "墨黑")), SIZES), (("#b9a58f", "#f4efe9"), ("#2b2b2b", "#e9e4dd")),
                    description=_wear("100% 亚麻面料，前襟系带可调节腰线，适合通勤与度假。")),
        DemoProduct("法式碎花茶歇裙", "Floral Tea Dress", "泡泡袖，V 领", "女装/连衣裙", "dress", 35900, None,
                    ((COLOURS, ("雾蓝", "奶白")), SIZES), (("#7d93ad", "#e8eef4"), ("#d9cbb5", "#f7f2ea")),
                    description=_wear("轻盈雪纺配小碎花，泡泡袖与 V 领修饰肩颈。")),
        DemoProduct("真丝衬衫连衣裙", "Silk Shirt Dress", "桑蚕丝，垂坠有光泽", "女装/连衣裙", "dress", 89900, 109900,
                    ((COLOURS, ("香槟", "墨绿")), SIZES), (("#c9a96e", "#f6efe1"), ("#2f4a3a", "#e3ebe5")), step=0,
                    description=_wear("19 姆米桑蚕丝，衬衫领与腰带设计，一件即可出门。")),
        DemoProduct("宽松纯棉衬衫", "Relaxed Cotton Shirt", "落肩廓形，日常百搭", "女装/上衣", "shirt", 25900, None,
                    ((COLOURS, ("白色", "浅蓝")), SIZES), (("#ece7df", "#dfe6ee"), ("#9db6cf", "#eef2f6")),
                    description=_wear("精梳棉府绸，落肩宽松版型，可塞可放。")),
        DemoProduct("美利奴羊毛针织衫", "Merino Knit Cardigan", "细腻不扎，四季可穿", "女装/上衣", "knit", 45900, None,
                    ((COLOURS, ("驼色", "灰色")), SIZES), (("#b08d57", "#f5efe4"), ("#8a8d91", "#eceef0")),
                    description=_wear("澳洲美利奴羊毛针织衫，贴身不扎，轻薄保暖。")),
        DemoProduct("百褶中长半身裙", "Pleated Midi Skirt", "高腰垂坠，走路带风", "女装/半身裙", "skirt", 32900, None,
                    ((COLOURS, ("墨黑", "燕麦")), SIZES), (("#232323", "#ebe7e1"), ("#b9a58f", "#f6f1ea")),
                    description=_wear("压褶工艺定型，高腰松紧设计，久坐不起皱。")),
        DemoProduct("牛津纺商务衬衫", "Oxford Shirt", "免烫处理，挺括有型", "男装/衬衫", "shirt", 29900, 35900,
                    ((COLOURS, ("白色", "天蓝")), SIZES), (("#f0ede8", "#dde3ea"), ("#6f9ccc", "#e9f0f7")),
                    description=_wear("牛津纺面料，免烫处理，通勤出差都合适。")),
        DemoProduct("亚麻短袖衬衫", "Linen Camp Shirt", "古巴领，清爽一夏", "男装/衬衫", "shirt", 23900, None,
                    ((COLOURS, ("米白", "橄榄")), SIZES), (("#e6dccb", "#f4f0e8"), ("#77805c", "#eceee4")),
                    description=_wear("水洗亚麻，古巴领设计，松弛感拉满。")),
        DemoProduct("直筒阔腿西裤", "Wide-leg Trousers", "垂感面料，显高显瘦", "男装/裤装", "trousers", 29900, 35900,
                    ((COLOURS, ("炭灰", "卡其")), SIZES), (("#4a4d52", "#e7e8ea"), ("#b59f7b", "#f4efe6")),
                    description=_wear("抗皱垂感面料，直筒阔腿版型，配衬衫或针织都好看。")),
        DemoProduct("水洗工装裤", "Washed Cargo Pants", "多口袋，耐穿耐磨", "男装/裤装", "trousers", 27900, None,
                    ((COLOURS, ("军绿", "沙色")), SIZES), (("#5d6b4a", "#e8ebe1"), ("#c7b38f", "#f6f1e7")),
                    description=_wear("重磅斜纹棉，水洗做旧，立体口袋。")),
        DemoProduct("羊毛双面呢大衣", "Double-faced Wool Coat", "手工双面呢，轻暖", "男装/外套", "coat", 129900, 159900,
                    ((COLOURS, ("驼色", "藏青")), SIZES), (("#a67c52", "#f3ece3"), ("#26324a", "#e4e7ee")),
                    description=_wear("90% 羊毛双面呢，手工缝制，不臃肿的冬季外套。")),
        DemoProduct("软底乐福鞋", "Leather Loafers", "头层牛皮，久走不累", "鞋包配饰/鞋履", "shoe", 59900, 69900,
                    ((COLOURS, ("棕色", "黑色")), ("尺码", ("37", "38", "39", "40"))),
                    (("#7a4b2a", "#f2e9e0"), ("#1f1f1f", "#e9e6e2")),
                    description="<p>头层牛皮鞋面，乳胶鞋垫，软底防滑。</p>"),
        DemoProduct("帆布托特包", "Canvas Tote Bag", "大容量，可放 14 寸电脑", "鞋包配饰/包袋", "bag", 12900, None,
                    ((COLOURS, ("本白", "藏青")),), (("#d8cdb8", "#f6f2ea"), ("#2b3a55", "#e3e7ef")),
                    description="<p>16 安士厚帆布，内袋带拉链，通勤购物两用。</p>"),
        DemoProduct("真皮斜挎小包", "Leather Crossbody Bag", "小巧能装，肩带可调", "鞋包配饰/包袋", "bag", 45900, 52900,
                    ((COLOURS, ("焦糖", "黑色")),), (("#a0622d", "#f5ebe0"), ("#222222", "#ebe8e4")),
                    description="<p>植鞣牛皮，越用越有光泽，肩带长度可调节。</p>"),
        DemoProduct("桑蚕丝方巾", "Silk Square Scarf", "70×70cm，印花", "鞋包配饰/围巾", "scarf", 19900, None,
                    ((COLOURS, ("蓝调", "暖杏")),), (("#4e6e96", "#e6edf5"), ("#d89c6a", "#fbefe4")),
                    description="<p>桑蚕丝斜纹绸，手工卷边，可做发带或系包。</p>"),
        DemoProduct("羊绒围巾", "Cashmere Scarf", "柔软亲肤，冬日必备", "鞋包配饰/围巾", "scarf", 39900, 45900,
                    ((COLOURS, ("燕麦", "酒红")),), (("#cbb89b", "#f6f1e9"), ("#7c2434", "#f3e4e7")),
                    description="<p>100% 山羊绒，轻盈保暖，礼盒包装。</p>"),
    ),
)

WEIGHT = "规格"


def _food(text: str, keep: str) -> str:
    return (f"<p>{text}</p><table><tbody><tr><th>储存方式</th><td>{keep}</td></tr>"
            "<tr><th>发货</th><td>16:00 前下单当天发货</td></tr></tbody></table>")


FOOD = DemoCatalog(
    code="SY", label="Shanye Pantry",
    categories=(("新鲜水果", ("热带水果", "柑橘")), ("休闲零食", ("坚果", "饼干")), ("茶饮冲调", ("茶叶", "咖啡")),
                ("粮油生鲜", ("鸡蛋", "蜂蜜"))),
    products=(
        DemoProduct("海南贵妃芒果", "Hainan Mangoes", "树上熟，香甜多汁", "新鲜水果/热带水果", "fruit", 5990, 6990,
                    ((WEIGHT, ("2.5kg", "5kg")),), (("#f2a93b", "#fff3df"),), step=4000, stock=60,
                    description=_food("海南三亚产区，树上自然成熟后采摘，冷链直发。", "常温存放，软后冷藏")),
        DemoProduct("泰国金枕榴莲", "Golden Durian", "果肉饱满，软糯香甜", "新鲜水果/热带水果", "fruit", 19900, None,
                    ((WEIGHT, ("3kg", "4kg")),), (("#b8a13a", "#f7f3dc"),), step=5000, stock=20,
                    description=_food("整颗发货，到手 1–2 天自然开口。", "常温催熟")),
        DemoProduct("赣南脐橙", "Gannan Navel Oranges", "皮薄汁多，酸甜适口", "新鲜水果/柑橘", "citrus", 3990, 4990,
                    ((WEIGHT, ("2.5kg", "5kg")),), (("#f08a24", "#fff0e0"),), step=3000, stock=80,
                    description=_food("江西赣州原产地直发，坏果包赔。", "阴凉通风处")),
        DemoProduct("四川沃柑", "Sichuan Mandarins", "化渣无籽，一剥即食", "新鲜水果/柑橘", "citrus", 3590, None,
                    ((WEIGHT, ("2.5kg", "5kg")),), (("#f5a623", "#fff5e3"),), step=2800, stock=70,
                    description=_food("四川眉山产区，果形匀称，甜度 14 度以上。", "阴凉通风处")),
        DemoProduct("每日坚果混合装", "Daily Mixed Nuts", "7 种坚果果干，独立小包", "休闲零食/坚果", "nuts", 8800, 9900,
                    ((WEIGHT, ("15 包", "30 包")),), (("#8b5a2b", "#f7eee4"),), step=7000, stock=120,
                    description=_food("巴旦木、腰果、榛子、核桃、蔓越莓等七种搭配，每日一包。", "密封防潮")),
        DemoProduct("手剥山核桃", "Hand-cracked Hickory Nuts", "临安特产，奶油味", "休闲零食/坚果", "nuts", 6800, None,
                    ((WEIGHT, ("250g", "500g")),), (("#6b4a2e", "#f3ece4"),), step=6000, stock=90,
                    description=_food("浙江临安山核桃，手工剥壳，奶油椒盐两种口味。", "密封防潮")),
        DemoProduct("黄油曲奇饼干礼盒", "Butter Cookies Gift Box", "新西兰黄油，酥到掉渣", "休闲零食/饼干",
                    "cookie", 3900, None, ((WEIGHT, ("400g", "800g")),), (("#d9a25f", "#fdf3e4"),), step=3000,
                    stock=100,
                    description=_food("新西兰黄油与低筋面粉烘焙，五种花形。", "常温避光")),
        DemoProduct("全麦苏打饼干", "Whole-wheat Crackers", "低糖高纤，办公室常备", "休闲零食/饼干",
                    "cookie", 2590, None,
                    ((WEIGHT, ("500g", "1kg")),), (("#c9a06a", "#f8f0e3"),), step=2000, stock=100,
                    description=_food("全麦粉占比 51%，薄脆不甜腻。", "常温避光")),
        DemoProduct("明前龙井茶叶", "Longjing Green Tea", "西湖产区，清香鲜爽", "茶饮冲调/茶叶", "tin", 6800, 7800,
                    ((WEIGHT, ("100g", "250g")),), (("#5f8a4e", "#eef4ea"),), step=9000, stock=50,
                    description=_food("清明前采摘一芽一叶，手工炒制。", "密封冷藏")),
        DemoProduct("云南古树普洱茶饼", "Pu'er Tea Cake", "357g 生茶，越陈越香", "茶饮冲调/茶叶", "tin", 16800, None,
                    ((WEIGHT, ("1 饼", "3 饼")),), (("#7a4e2d", "#f4ece4"),), step=30000, stock=30,
                    description=_food("云南勐海古树原料，石磨压制。", "通风避光，远离异味")),
        DemoProduct("挂耳咖啡", "Drip-bag Coffee", "中深烘焙，坚果可可风味", "茶饮冲调/咖啡", "cup", 4900, 5900,
                    ((WEIGHT, ("10 片", "30 片")),), (("#6f4e37", "#f3ebe5"),), step=8000, stock=150,
                    description=_food("云南保山小粒咖啡，每片 10g，热水即冲。", "密封避光")),
        DemoProduct("散养土鸡蛋", "Free-range Eggs", "山林散养，蛋黄橙红", "粮油生鲜/鸡蛋", "eggs", 4590, None,
                    ((WEIGHT, ("30 枚", "60 枚")),), (("#f2e2c4", "#eef2e6"),), step=4000, stock=60,
                    description=_food("山林散养 300 天以上土鸡所产，破损包赔。", "冷藏保存")),
        DemoProduct("百花土蜂蜜", "Wildflower Honey", "天然成熟蜜，无添加", "粮油生鲜/蜂蜜", "jar", 5600, None,
                    ((WEIGHT, ("500g", "1kg")),), (("#e8a317", "#fff6df"),), step=4800, stock=80,
                    description=_food("秦岭深山百花蜜，波美度 42 以上。", "常温密封，勿入冰箱")),
        DemoProduct("零添加山茶油", "Camellia Seed Oil", "物理压榨，一级", "粮油生鲜/蜂蜜", "bottle", 12800, 14800,
                    ((WEIGHT, ("500ml", "1L")),), (("#c2a23c", "#f8f4e1"),), step=10000, stock=40,
                    description=_food("江西野山茶籽冷榨，烟点高，适合凉拌与炒菜。", "阴凉避光")),
        DemoProduct("山野年货礼盒", "Pantry Gift Box", "坚果、茶叶、蜂蜜一盒装", "休闲零食/坚果", "gift", 19900, 25900,
                    ((WEIGHT, ("标准款", "豪华款")),), (("#c8442f", "#fbe9e4"),), step=10000, stock=40,
                    description=_food("每日坚果、龙井与百花蜜组合，附手写贺卡。", "常温避光")),
    ),
)

CATALOGS = {"clothing": APPAREL, "food": FOOD}


def seed_demo_store(tenant, store: dict, owner) -> str:
    """Fill the store with the catalog of its template (``store["template"]``); skip what exists."""
    catalog = CATALOGS.get(store.get("template", ""))
    if catalog is None:
        return ""
    categories = _categories(catalog)
    created = sum(_product(tenant, owner, catalog, item, index, categories)
                  for index, item in enumerate(catalog.products))
    count = len(categories) + len(catalog.categories)
    return f"catalog: {count} categories, {len(catalog.products)} products ({created} new)"


def _categories(catalog: DemoCatalog) -> dict[str, object]:
    found = {}
    for parent_name, children in catalog.categories:
        parent = _category(parent_name, None)
        for child_name in children:
            found[f"{parent_name}/{child_name}"] = _category(child_name, parent.id)
    return found


def _category(name: str, parent_id):
    existing = next((c for c in taxonomy.categories() if c.name == name and c.parent_id == parent_id), None)
    return existing or taxonomy.create_category({"name": name, "parent_id": parent_id})


def _product(tenant, owner, catalog: DemoCatalog, item: DemoProduct, index: int, categories: dict) -> bool:
    if db.session.execute(select(Product.id).where(Product.title == item.title,
                                                   Product.deleted_at.is_(None))).first():
        return False
    product = products.create(tenant, _body(catalog, item, index, categories), owner)
    for ink, background in item.colours:
        media.add_image(product, illustration(item.shape, item.name_en, ink, background, catalog.label))
    return True


def _body(catalog: DemoCatalog, item: DemoProduct, index: int, categories: dict) -> dict:
    names = [name for name, _ in item.specs]
    value_lists = [values for _, values in item.specs]
    skus = []
    for number, combo in enumerate(combinations(*value_lists)):
        extra = item.step * value_lists[-1].index(combo[-1])
        skus.append({"spec_values": list(combo), "price": item.price + extra,
                     "original_price": item.original + extra if item.original else None,
                     "stock": max(0, item.stock - 7 * number), "code": f"{catalog.code}-{index + 1:02d}-{number + 1}",
                     "weight_grams": 500})
    return {"title": item.title, "subtitle": item.subtitle, "category_id": categories[item.category].id,
            "description": item.description, "status": "on_sale",
            "specs": [{"name": name, "values": list(values)} for name, values in zip(names, value_lists, strict=True)],
            "skus": skus}
